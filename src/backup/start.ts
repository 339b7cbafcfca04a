import { insertBackup, markBackupFailed } from "../catalog/backups";
import { newId } from "../ids";
import { type BackupType, SYSTEM_TYPES, TYPE_COMPONENTS } from "../../schemas/api";
import type { Env } from "../env";
import { assertProfileMatches } from "../provider/check";
import { providerProfile } from "../provider/profile";
import { backupBinding, launch } from "../launch";
import type { WorkflowParams } from "../../schemas/workflows";

export interface StartBackup {
  type: BackupType;
  components: string[];
  description?: string;
  requested_by: string;
  trigger: "api" | "schedule" | "system";
  parent_id?: string;
  /** Defaults to a fresh id; a full-system backup names its components after itself. */
  id?: string;
}

/**
 * Records the backup in the catalog, then starts its Workflow instance (same id). A backup of the database first
 * checks the provider profile against it: a profile naming a table or column the database lacks is refused here,
 * naming it, before anything is written.
 */
export async function startBackup(env: Env, b: StartBackup): Promise<string> {
  if (b.components.includes("database") && !b.parent_id) await assertProfileMatches(env.OIDC_DB, providerProfile(env));
  const id = b.id ?? newId("bk");
  return launch(env, backupBinding(b.type), {
    id,
    params: {
      backup_id: id,
      type: b.type,
      description: b.description,
      requested_by: b.requested_by,
      // A system backup of some components only: the workflow starts exactly those.
      ...(SYSTEM_TYPES.includes(b.type) && b.components.length < TYPE_COMPONENTS.full_system.length ? { components: b.components } : {}),
    } as WorkflowParams<"FULL_DATABASE_BACKUP">,
    record: () => insertBackup(env.CATALOG_DB, { ...b, id }),
    failed: (message) => markBackupFailed(env.CATALOG_DB, id, "workflow_start_failed", message),
    audit: { actor: b.requested_by, action: "backup.started", target: id, outcome: 1, detail: { type: b.type, trigger: b.trigger } },
  });
}
