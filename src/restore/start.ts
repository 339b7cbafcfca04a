import type { ComponentRestorePlan } from "./plan";
import { restoreWorkflow } from "../backup/start";
import { finishRestore, getRestore, insertRestore } from "../catalog/restores";
import type { Env } from "../env";

/**
 * Records a component restore in the catalog, then starts its Workflow instance (same id). Idempotent for a caller
 * that retries with the same id (a workflow step): a restore already recorded is not started twice.
 */
export async function startComponentRestore(
  env: Env,
  plan: ComponentRestorePlan,
  r: { id: string; target_environment: "production" | "test"; requested_by: string; target_timestamp?: string; parent_id?: string },
): Promise<void> {
  if (await getRestore(env.CATALOG_DB, r.id)) return;
  await insertRestore(env.CATALOG_DB, {
    id: r.id,
    backup_id: plan.backup.id,
    components: [plan.component],
    target_environment: r.target_environment,
    target_binding: plan.target_binding,
    requested_by: r.requested_by,
    target_timestamp: r.target_timestamp,
    parent_id: r.parent_id,
  });
  try {
    await restoreWorkflow(env, plan.component).create({ id: r.id, params: { ...plan.params, restore_id: r.id, requested_by: r.requested_by } });
  } catch (e) {
    await finishRestore(env.CATALOG_DB, r.id, { status: "failed", error_code: "workflow_start_failed", error: (e as Error).message });
    throw e;
  }
}
