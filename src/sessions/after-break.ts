import { runningBackupOfType } from "../catalog/backups";
import { startBackup } from "../backup/start";
import type { Env } from "../env";

/**
 * The session change feed carries a session backup forward only from after the feed started (or broke): a session
 * backup starts at once so one exists to carry forward, unless one is running. BACKUP_AFTER_BREAK=false turns this
 * off (the test suite, where each test decides).
 */
export async function startSessionBackupAfterBreak(env: Env, why: string): Promise<string | null> {
  if ((env as { BACKUP_AFTER_BREAK?: string }).BACKUP_AFTER_BREAK === "false") return null;
  if (await runningBackupOfType(env.CATALOG_DB, "sessions")) return null;
  return startBackup(env, {
    type: "sessions",
    components: ["sessions"],
    requested_by: "system:capture",
    trigger: "system",
    description: `after a session change-feed break: ${why}`.slice(0, 500),
  });
}
