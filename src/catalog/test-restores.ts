import { audit } from "./audit-log";
import type { TestCheck } from "../../schemas/test-restore";

export interface TestRestoreRow {
  id: string;
  backup_id: string;
  status: "running" | "passed" | "failed";
  trigger: string;
  requested_by: string;
  created_at: string;
  completed_at: string | null;
  rto_ms: number | null;
  cleanup_ms: number | null;
  components: string;
  checks: string | null;
  error: string | null;
}

export async function insertTestRestore(
  db: D1Database,
  r: { id: string; backup_id: string; trigger: string; requested_by: string },
): Promise<void> {
  await db
    .prepare(
      `INSERT INTO test_restores (id, backup_id, status, trigger, requested_by, created_at, components) VALUES (?, ?, 'running', ?, ?, ?, '[]') ON CONFLICT (id) DO NOTHING`,
    )
    .bind(r.id, r.backup_id, r.trigger, r.requested_by, new Date().toISOString())
    .run();
}

export async function recordTestComponents(db: D1Database, id: string, components: unknown[]): Promise<void> {
  await db.prepare("UPDATE test_restores SET components = ? WHERE id = ?").bind(JSON.stringify(components), id).run();
}

export async function finishTestRestore(
  db: D1Database,
  id: string,
  r: { status: "passed" | "failed"; rto_ms: number | null; cleanup_ms: number; checks: TestCheck[]; error: string | null },
): Promise<void> {
  const done = await db
    .prepare(
      "UPDATE test_restores SET status = ?, rto_ms = ?, cleanup_ms = ?, checks = ?, error = ?, completed_at = ? WHERE id = ? AND status = 'running'",
    )
    .bind(r.status, r.rto_ms, r.cleanup_ms, JSON.stringify(r.checks), r.error?.slice(0, 2000) ?? null, new Date().toISOString(), id)
    .run();
  if (done.meta.changes > 0)
    await audit(db, {
      actor: "system:workflow",
      action: `test_restore.${r.status}`,
      target: id,
      outcome: r.status === "passed" ? 1 : 0,
      detail: { rto_ms: r.rto_ms },
    });
}

export async function getTestRestore(db: D1Database, id: string): Promise<TestRestoreRow | null> {
  return db.prepare("SELECT * FROM test_restores WHERE id = ?").bind(id).first<TestRestoreRow>();
}

export async function listTestRestores(db: D1Database, f: { backup_id?: string; limit: number }): Promise<TestRestoreRow[]> {
  const { results } = await db
    .prepare(`SELECT * FROM test_restores ${f.backup_id ? "WHERE backup_id = ?" : ""} ORDER BY created_at DESC, id DESC LIMIT ?`)
    .bind(...(f.backup_id ? [f.backup_id, f.limit] : [f.limit]))
    .all<TestRestoreRow>();
  return results;
}

/** The newest passing test restore of a backup completed after `since` (the production gate's question). */
export async function passingTestRestore(db: D1Database, backupId: string, since: string): Promise<TestRestoreRow | null> {
  return db
    .prepare(
      "SELECT * FROM test_restores WHERE backup_id = ? AND status = 'passed' AND completed_at >= ? ORDER BY completed_at DESC LIMIT 1",
    )
    .bind(backupId, since)
    .first<TestRestoreRow>();
}

export function reportOf(r: TestRestoreRow) {
  return {
    test_id: r.id,
    backup_id: r.backup_id,
    status: r.status,
    trigger: r.trigger,
    requested_by: r.requested_by,
    created_at: r.created_at,
    completed_at: r.completed_at,
    rto_seconds: r.rto_ms === null ? null : r.rto_ms / 1000,
    cleanup_seconds: r.cleanup_ms === null ? null : r.cleanup_ms / 1000,
    restores: JSON.parse(r.components) as unknown[],
    checks: r.checks ? (JSON.parse(r.checks) as TestCheck[]) : [],
    error: r.error,
  };
}

/** The drill using the sandbox now, if any. */
export async function runningTestRestore(db: D1Database): Promise<string | null> {
  return db.prepare("SELECT id FROM test_restores WHERE status = 'running' LIMIT 1").first<string>("id");
}

/** A drill whose Workflow instance could not be created. */
export async function failTestRestoreStart(db: D1Database, id: string, message: string): Promise<void> {
  await db
    .prepare("UPDATE test_restores SET status = 'failed', error = ?, completed_at = ? WHERE id = ?")
    .bind(`could not start: ${message}`, new Date().toISOString(), id)
    .run();
}
