import type { RestoreBody } from "../../schemas/api";
import type { ReplayPlan } from "../../schemas/capture";
import { planPointInTime } from "../capture/coverage";
import { type BackupRow, getBackup } from "../catalog/backups";
import type { Env } from "../env";
import { NotFoundError } from "../errors";
import { type ComponentRestorePlan, planComponentRestore } from "./plan";

/**
 * What a restore request resolves to: the backup it reads (for an instant, the base backup and the change-log
 * window to replay), and one checked plan per component. Every component is checked before any restore starts: a
 * bad selection starts nothing.
 */
export async function planRestoreRequest(
  env: Env,
  body: RestoreBody,
): Promise<{ requested: BackupRow; pointInTime?: ReplayPlan; plans: ComponentRestorePlan[] }> {
  let requested: BackupRow | null;
  let pointInTime: ReplayPlan | undefined;
  if (body.target_timestamp !== undefined) {
    const pit = await planPointInTime(env, Date.parse(body.target_timestamp));
    requested = pit.base;
    pointInTime = pit.replay;
  } else {
    requested = await getBackup(env.CATALOG_DB, body.backup_id!);
    if (!requested) throw new NotFoundError(`backup ${body.backup_id} not found`);
  }
  const plans: ComponentRestorePlan[] = [];
  for (const component of body.components) plans.push(await planComponentRestore(env, requested, body, component, pointInTime));
  return { requested, pointInTime, plans };
}
