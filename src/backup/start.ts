import { audit } from "../catalog/audit-log";
import { insertBackup, markBackupFailed } from "../catalog/backups";
import { newId } from "../ids";
import type { BackupType } from "../../schemas/api";
import type { Env } from "../env";
import { assertProfileMatches } from "../provider/check";
import { providerProfile } from "../provider/profile";

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
  await insertBackup(env.CATALOG_DB, { ...b, id });
  try {
    await backupWorkflow(env, b.type).create({ id, params: { backup_id: id, type: b.type, description: b.description, requested_by: b.requested_by } });
  } catch (e) {
    await markBackupFailed(env.CATALOG_DB, id, "workflow_start_failed", (e as Error).message);
    throw e;
  }
  await audit(env.CATALOG_DB, { actor: b.requested_by, action: "backup.started", target: id, outcome: 1, detail: { type: b.type, trigger: b.trigger } });
  return id;
}

/** The Workflow that makes a backup of a type. */
export function backupWorkflow(env: Env, type: string): Workflow {
  if (type === "assets") return env.ASSET_BACKUP;
  if (type === "sessions") return env.SESSION_BACKUP;
  if (type === "config") return env.CONFIG_BACKUP;
  if (type === "full_system" || type === "monthly_archive") return env.FULL_SYSTEM_BACKUP;
  if (type === "incremental_database") return env.INCREMENTAL_BACKUP;
  return env.FULL_DATABASE_BACKUP;
}

/** The Workflow that restores a component. */
export function restoreWorkflow(env: Env, component: string): Workflow {
  if (component === "assets") return env.ASSET_RESTORE;
  if (component === "sessions") return env.SESSION_RESTORE;
  return env.DATABASE_RESTORE;
}
