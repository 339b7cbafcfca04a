import { newId } from "../ids";
import { getBackup } from "../catalog/backups";
import { insertTestRestore } from "../catalog/test-restores";
import type { Env } from "../env";
import { ConflictError, NotFoundError } from "../errors";

/** Sandbox targets a test restore writes: one drill or test restore at a time may use them. */
const SANDBOX_TARGETS = ["RESTORE_TARGET_DB", "RESTORE_TARGET_BUCKET", "SESSIONS:sandbox:"];

/** Checks the backup and that the sandbox is free, records the test restore, and starts its Workflow instance. */
export async function startTestRestore(env: Env, r: { backup_id: string; requested_by: string; trigger: "api" | "schedule" | "gate" }): Promise<string> {
  const backup = await getBackup(env.CATALOG_DB, r.backup_id);
  if (!backup) throw new NotFoundError(`backup ${r.backup_id} not found`);
  if (backup.status !== "completed") throw new ConflictError(`backup ${r.backup_id} is ${backup.status}; only a completed backup can be test-restored`);
  const drill = await env.CATALOG_DB.prepare("SELECT id FROM test_restores WHERE status = 'running' LIMIT 1").first<string>("id");
  if (drill) throw new ConflictError(`test restore ${drill} is using the sandbox; try again when it has finished`);
  const busy = await env.CATALOG_DB.prepare(
    `SELECT id FROM restores WHERE target_binding IN (SELECT value FROM json_each(?)) AND status IN ('initiated', 'awaiting_approval', 'running') LIMIT 1`,
  )
    .bind(JSON.stringify(SANDBOX_TARGETS))
    .first<string>("id");
  if (busy) throw new ConflictError(`restore ${busy} is writing into the sandbox; try again when it has finished`);
  const id = newId("tr");
  await insertTestRestore(env.CATALOG_DB, { id, backup_id: r.backup_id, trigger: r.trigger, requested_by: r.requested_by });
  try {
    await env.TEST_RESTORE.create({ id, params: { test_id: id, backup_id: r.backup_id, requested_by: r.requested_by } });
  } catch (e) {
    await env.CATALOG_DB.prepare("UPDATE test_restores SET status = 'failed', error = ?, completed_at = ? WHERE id = ?").bind(`could not start: ${(e as Error).message}`, new Date().toISOString(), id).run();
    throw e;
  }
  return id;
}

/** The backup a scheduled drill restores: the newest completed full-system backup, else the newest full database one. */
export async function drillBackup(env: Env): Promise<string | null> {
  return env.CATALOG_DB.prepare(
    `SELECT id FROM backups WHERE status = 'completed' AND type IN ('full_system', 'monthly_archive', 'full_database') AND parent_id IS NULL
     ORDER BY CASE type WHEN 'full_database' THEN 1 ELSE 0 END, completed_at DESC LIMIT 1`,
  ).first<string>("id");
}
