import { runningBackupOfType } from "../catalog/backups";
import { startBackup } from "../backup/start";
import type { Env } from "../env";

/**
 * A break in the change log (a gap, a refused entry, a schema change, a restore) ends point-in-time coverage from
 * every earlier base: only a new full backup starts a new chain. So one starts at once (docs/CAPTURE.md, "Breaks"),
 * unless one is already running. BACKUP_AFTER_BREAK=false turns this off (the test suite, where each test decides).
 */
export async function fullBackupAfterBreak(env: Env, why: string): Promise<string | null> {
  if ((env as { BACKUP_AFTER_BREAK?: string }).BACKUP_AFTER_BREAK === "false") return null;
  if (await runningBackupOfType(env.CATALOG_DB, "full_database")) return null;
  return startBackup(env, {
    type: "full_database",
    components: ["database"],
    requested_by: "system:capture",
    trigger: "system",
    description: `after a change-log break: ${why}`.slice(0, 500),
  });
}
