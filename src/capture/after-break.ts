import { COMPONENT_TYPE, type Component } from "../../schemas/api";
import { runningBackupOfType } from "../catalog/backups";
import { startBackup } from "../backup/start";
import type { Env } from "../env";

/**
 * A break in the change log (a gap, a refused entry, a schema change, a restore) ends point-in-time coverage from
 * every earlier base: only a new full backup starts a new chain. So one starts at once (docs/CAPTURE.md, "Breaks"),
 * unless one is already running. BACKUP_AFTER_BREAK=false turns this off (the test suite, where each test decides).
 */
export async function fullBackupAfterBreak(env: Env, why: string): Promise<string | null> {
  return backupAfterBreak(env, "database", `after a change-log break: ${why}`);
}

/**
 * A backup of `component` started because what carried its coverage broke (the database's change log, a change feed
 * starting), unless one of its type is running or BACKUP_AFTER_BREAK=false.
 */
export async function backupAfterBreak(env: Env, component: Component, description: string): Promise<string | null> {
  if ((env as { BACKUP_AFTER_BREAK?: string }).BACKUP_AFTER_BREAK === "false") return null;
  const type = COMPONENT_TYPE[component];
  if (await runningBackupOfType(env.CATALOG_DB, type)) return null;
  return startBackup(env, {
    type,
    components: [component],
    requested_by: "system:capture",
    trigger: "system",
    description: description.slice(0, 500),
  });
}
