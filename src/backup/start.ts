import { insertBackup, markBackupFailed } from "../catalog/backups";
import { newId } from "../api/ids";
import type { BackupType } from "../../schemas/api";
import type { Env } from "../env";

export interface StartBackup {
  type: BackupType;
  components: string[];
  description?: string;
  requested_by: string;
  trigger: "api" | "schedule";
}

/** Records the backup in the catalog, then starts its Workflow instance (same id). */
export async function startBackup(env: Env, b: StartBackup): Promise<string> {
  const id = newId("bk");
  await insertBackup(env.CATALOG_DB, { id, ...b });
  try {
    await backupWorkflow(env, b.type).create({ id, params: { backup_id: id, description: b.description, requested_by: b.requested_by } });
  } catch (e) {
    await markBackupFailed(env.CATALOG_DB, id, "workflow_start_failed", (e as Error).message);
    throw e;
  }
  return id;
}

/** The Workflow that makes a backup of a type. */
export function backupWorkflow(env: Env, type: string): Workflow {
  return type === "assets" ? env.ASSET_BACKUP : type === "config" ? env.CONFIG_BACKUP : env.FULL_DATABASE_BACKUP;
}

/** The Workflow that restores a component. */
export function restoreWorkflow(env: Env, component: string): Workflow {
  return component === "assets" ? env.ASSET_RESTORE : env.DATABASE_RESTORE;
}
