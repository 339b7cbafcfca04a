import type { RestoreBody } from "../../schemas/api";
import type { ReplayPlan } from "../../schemas/capture";
import { type ComponentInstant, planSystemInstant } from "./system-instant";
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
): Promise<{ requested: BackupRow; pointInTime?: ReplayPlan; plans: ComponentRestorePlan[]; instants?: ComponentInstant[] }> {
  const plans: ComponentRestorePlan[] = [];
  if (body.target_timestamp !== undefined) {
    // One instant across the components asked for: each resolved to its own backup (src/restore/system-instant.ts).
    const { backups, pointInTime, feeds, instants } = await planSystemInstant(env, body.target_timestamp, body.components);
    for (const component of body.components)
      plans.push(await planComponentRestore(env, backups.get(component)!, body, component, { pointInTime, feeds }));
    const requested = backups.get("database") ?? backups.get(body.components[0]!)!;
    return { requested, pointInTime, plans, instants };
  }
  const requested = await getBackup(env.CATALOG_DB, body.backup_id!);
  if (!requested) throw new NotFoundError(`backup ${body.backup_id} not found`);
  for (const component of body.components) plans.push(await planComponentRestore(env, requested, body, component));
  return { requested, plans };
}
