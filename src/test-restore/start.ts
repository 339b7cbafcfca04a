import { newId } from "../ids";
import { drillBackupId, getBackup } from "../catalog/backups";
import { failTestRestoreStart, insertTestRestore, runningTestRestore } from "../catalog/test-restores";
import type { Env } from "../env";
import { ConflictError, NotFoundError } from "../errors";
import { restoreInProgress } from "../catalog/restores";
import { launch } from "../launch";

/** Sandbox targets a test restore writes: one drill or test restore at a time may use them. */
const SANDBOX_TARGETS = ["RESTORE_TARGET_DB", "RESTORE_TARGET_BUCKET", "SESSIONS:sandbox:"];

/** Checks the backup and that the sandbox is free, records the test restore, and starts its Workflow instance. */
export async function startTestRestore(
  env: Env,
  r: { backup_id: string; requested_by: string; trigger: "api" | "schedule" | "gate" },
): Promise<string> {
  const backup = await getBackup(env.CATALOG_DB, r.backup_id);
  if (!backup) throw new NotFoundError(`backup ${r.backup_id} not found`);
  if (backup.status !== "completed")
    throw new ConflictError(`backup ${r.backup_id} is ${backup.status}; only a completed backup can be test-restored`);
  const drill = await runningTestRestore(env.CATALOG_DB);
  if (drill) throw new ConflictError(`test restore ${drill} is using the sandbox; try again when it has finished`);
  const busy = await restoreInProgress(env.CATALOG_DB, { target_bindings: SANDBOX_TARGETS });
  if (busy) throw new ConflictError(`restore ${busy} is writing into the sandbox; try again when it has finished`);
  const id = newId("tr");
  return launch(env, "TEST_RESTORE", {
    id,
    params: { test_id: id, backup_id: r.backup_id, requested_by: r.requested_by },
    record: () => insertTestRestore(env.CATALOG_DB, { id, backup_id: r.backup_id, trigger: r.trigger, requested_by: r.requested_by }),
    failed: (message) => failTestRestoreStart(env.CATALOG_DB, id, message),
  });
}

/** The backup a scheduled drill restores: the newest completed full-system backup, else the newest full database one. */
export async function drillBackup(env: Env): Promise<string | null> {
  return drillBackupId(env.CATALOG_DB);
}
