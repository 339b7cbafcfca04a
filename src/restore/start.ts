import { selectionSummary } from "./selection-summary";
import type { ComponentRestorePlan } from "./plan";
import { finishRestore, getRestore, insertRestore, setRestoreState } from "../catalog/restores";
import { newId } from "../ids";
import type { Env } from "../env";
import { launch, restoreBinding } from "../launch";
import type { WorkflowParams } from "../../schemas/workflows";
import type { FeedReplay } from "../../schemas/feed";

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
  // Sessions and assets carried by their change feed reach the instant their plan fixed (src/feed/plan.ts).
  const feed = plan.component !== "database" ? (plan.params as { feed?: FeedReplay }).feed : undefined;
  const reachedAt = feed ? new Date(feed.reached_ms).toISOString() : undefined;
  await launch(env, restoreBinding(plan.component), {
    id: r.id,
    params: { ...plan.params, restore_id: r.id, requested_by: r.requested_by } as WorkflowParams<"DATABASE_RESTORE">,
    record: () =>
      insertRestore(env.CATALOG_DB, {
        id: r.id,
        backup_id: plan.backup.id,
        components: [plan.component],
        target_environment: r.target_environment,
        target_binding: plan.target_binding,
        requested_by: r.requested_by,
        target_timestamp: r.target_timestamp,
        parent_id: r.parent_id,
        ...(reachedAt ? { reached_at: reachedAt } : {}),
      }),
    failed: (error) => finishRestore(env.CATALOG_DB, r.id, { status: "failed", error_code: "workflow_start_failed", error }),
  });
}

/**
 * Records a production restore (or the rollback of one) and starts its orchestrating Workflow: gate, approval,
 * safety snapshot, the component restores, verification (workflows/production-restore.ts).
 */
export async function startProductionRestore(
  env: Env,
  r: Omit<WorkflowParams<"PRODUCTION_RESTORE">, "restore_id"> & { components: string[] },
): Promise<string> {
  const id = newId("rs");
  const { components, ...rest } = r;
  return launch(env, "PRODUCTION_RESTORE", {
    id,
    params: { ...rest, restore_id: id },
    record: () =>
      insertRestore(env.CATALOG_DB, {
        id,
        backup_id: r.backup_id,
        components,
        target_environment: "production",
        target_binding: "production",
        requested_by: r.requested_by,
        target_timestamp: r.target_timestamp,
        selection: selectionSummary(r.plans, r.target_timestamp).map((s) =>
          r.rollback_of ? { ...s, scope: `${s.scope}, back as it was before ${r.rollback_of.restore_id} (its safety snapshot)` } : s,
        ),
        scope: r.selection ?? {},
      }),
    failed: (error) => setRestoreState(env.CATALOG_DB, id, { status: "failed", error_code: "workflow_start_failed", error }),
  });
}
