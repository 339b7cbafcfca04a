import { humanBytes } from "../units";
import { audit } from "./audit-log";
import type { BackupStatus, BackupSummary } from "../../schemas/api";

export interface NewBackup {
  id: string;
  type: string;
  components: string[];
  description?: string;
  requested_by: string;
  trigger: "api" | "schedule" | "system" | "rebuilt";
  parent_id?: string;
}

/** A type alias, not an interface: a restore plan carries the row as a loose object (schemas/workflows.ts). */
export type BackupRow = {
  id: string;
  type: string;
  components: string;
  status: BackupStatus;
  description: string | null;
  requested_by: string;
  trigger: string;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  updated_at: string;
  step: string | null;
  progress: string | null;
  rows: number | null;
  tables: number | null;
  raw_bytes: number | null;
  stored_bytes: number | null;
  chunks: number | null;
  new_chunks: number | null;
  duration_ms: number | null;
  manifest_key: string | null;
  parent_id: string | null;
  /** Change capture: a full backup's scan window and instant; an incremental's chain end and base. */
  seq_start: number | null;
  seq_end: number | null;
  as_of: number | null;
  base_backup_id: string | null;
  time_travel_bookmark: string | null;
  error_code: string | null;
  error: string | null;
  restarts: number;
};

const now = () => new Date().toISOString();

export async function insertBackup(db: D1Database, b: NewBackup): Promise<void> {
  const t = now();
  await db
    .prepare(
      `INSERT INTO backups (id, type, components, status, description, requested_by, trigger, created_at, updated_at, parent_id)
       VALUES (?, ?, ?, 'initiated', ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
    )
    .bind(b.id, b.type, JSON.stringify(b.components), b.description ?? null, b.requested_by, b.trigger, t, t, b.parent_id ?? null)
    .run();
}

export async function getBackup(db: D1Database, id: string): Promise<BackupRow | null> {
  return db.prepare("SELECT * FROM backups WHERE id = ?").bind(id).first<BackupRow>();
}

/** Progress from inside a workflow step. Idempotent, so a retried step may write it twice. */
export async function markBackupProgress(db: D1Database, id: string, step: string, progress: object): Promise<void> {
  const t = now();
  await db
    .prepare(
      `UPDATE backups SET status = CASE WHEN status = 'initiated' THEN 'running' ELSE status END,
         started_at = COALESCE(started_at, ?), step = ?, progress = ?, updated_at = ?
       WHERE id = ? AND status IN ('initiated', 'running')`,
    )
    .bind(t, step, JSON.stringify(progress), t, id)
    .run();
}

export interface BackupResult {
  rows: number;
  tables: number;
  raw_bytes: number;
  stored_bytes: number;
  chunks: number;
  new_chunks: number;
  manifest_key: string;
  started_at: string;
  completed_at: string;
}

export async function markBackupCompleted(db: D1Database, id: string, r: BackupResult): Promise<void> {
  const duration = Date.parse(r.completed_at) - Date.parse(r.started_at);
  const done = await db
    .prepare(
      `UPDATE backups SET status = 'completed', step = 'done', progress = NULL, rows = ?, tables = ?, raw_bytes = ?,
         stored_bytes = ?, chunks = ?, new_chunks = ?, manifest_key = ?, started_at = COALESCE(started_at, ?),
         completed_at = ?, duration_ms = ?, updated_at = ?, error = NULL, error_code = NULL
       WHERE id = ? AND status != 'completed'`,
    )
    .bind(
      r.rows,
      r.tables,
      r.raw_bytes,
      r.stored_bytes,
      r.chunks,
      r.new_chunks,
      r.manifest_key,
      r.started_at,
      r.completed_at,
      duration,
      now(),
      id,
    )
    .run();
  // Once per backup, however often a retried step gets here.
  if (done.meta.changes > 0)
    await audit(db, {
      actor: "system:workflow",
      action: "backup.completed",
      target: id,
      outcome: 1,
      detail: { rows: r.rows, stored_bytes: r.stored_bytes, duration_ms: duration },
    });
}

export async function markBackupFailed(db: D1Database, id: string, code: string, message: string): Promise<void> {
  const failed = await db
    .prepare(
      `UPDATE backups SET status = 'failed', error_code = ?, error = ?, completed_at = ?, updated_at = ? WHERE id = ? AND status NOT IN ('completed', 'failed')`,
    )
    .bind(code, message.slice(0, 2000), now(), now(), id)
    .run();
  if (failed.meta.changes > 0)
    await audit(db, { actor: "system:workflow", action: "backup.failed", target: id, outcome: 0, detail: { code } });
}

export interface BackupFilter {
  limit: number;
  page: number;
  component?: string;
  type?: string;
  status?: string;
}

export async function listBackups(db: D1Database, f: BackupFilter): Promise<{ rows: BackupRow[]; total: number }> {
  const where: string[] = [];
  const args: unknown[] = [];
  if (f.type) {
    where.push("type = ?");
    args.push(f.type);
  }
  // Forgotten backups (retention) are history, listed only when asked for by status.
  if (f.status) {
    where.push("status = ?");
    args.push(f.status);
  } else where.push("status NOT IN ('forgetting', 'forgotten')");
  if (f.component) {
    where.push("EXISTS (SELECT 1 FROM json_each(components) WHERE value = ?)");
    args.push(f.component);
  }
  const clause = where.length ? `WHERE ${where.join(" AND ")}` : "";
  const total = await db
    .prepare(`SELECT count(*) AS n FROM backups ${clause}`)
    .bind(...args)
    .first<number>("n");
  const { results } = await db
    .prepare(`SELECT * FROM backups ${clause} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`)
    .bind(...args, f.limit, (f.page - 1) * f.limit)
    .all<BackupRow>();
  return { rows: results, total: total ?? 0 };
}

/** Average duration of recent completed backups of a type: the basis of an estimate, not a promise. */
export async function typicalBackupMs(db: D1Database, type: string): Promise<number | null> {
  return db
    .prepare(
      `SELECT avg(duration_ms) AS ms FROM (SELECT duration_ms FROM backups WHERE type = ? AND status = 'completed' ORDER BY created_at DESC LIMIT 5)`,
    )
    .bind(type)
    .first<number | null>("ms");
}

export function summarise(r: BackupRow): BackupSummary {
  return {
    backup_id: r.id,
    timestamp: r.created_at,
    type: r.type,
    size: humanBytes(r.raw_bytes ?? 0),
    size_bytes: r.raw_bytes ?? 0,
    added_bytes: r.stored_bytes ?? 0,
    status: r.status,
    components: JSON.parse(r.components) as string[],
  };
}

/** The newest completed backup of a type: the base an incremental one builds on. */
export async function latestCompleted(db: D1Database, type: string): Promise<BackupRow | null> {
  return db
    .prepare(`SELECT * FROM backups WHERE type = ? AND status = 'completed' ORDER BY completed_at DESC, id DESC LIMIT 1`)
    .bind(type)
    .first<BackupRow>();
}

/** The component backups a full-system backup started. */
export async function childBackups(db: D1Database, parentId: string): Promise<BackupRow[]> {
  const { results } = await db.prepare("SELECT * FROM backups WHERE parent_id = ? ORDER BY type").bind(parentId).all<BackupRow>();
  return results;
}

/** The replica's status for a backup (docs/REPLICATION.md). */
export async function markReplica(db: D1Database, id: string, r: { status: "replicated" | "failed"; detail: string }): Promise<void> {
  await db
    .prepare(
      `UPDATE backups SET replica_status = ?, replicated_at = CASE WHEN ? = 'replicated' THEN ? ELSE replicated_at END, replica_error = ? WHERE id = ?`,
    )
    .bind(r.status, r.status, new Date().toISOString(), r.status === "failed" ? r.detail.slice(0, 1000) : null, id)
    .run();
}

/** The newest completed backup of any type. */
export async function newestCompletedBackupId(db: D1Database): Promise<string | null> {
  return db.prepare(`SELECT id FROM backups WHERE status = 'completed' ORDER BY completed_at DESC LIMIT 1`).first<string>("id");
}

/** Backups a retention run began to forget and did not finish (at most `limit`). */
export async function backupsBeingForgotten(db: D1Database, limit = 100): Promise<string[]> {
  return (await db.prepare(`SELECT id FROM backups WHERE status = 'forgetting' LIMIT ?`).bind(limit).all<{ id: string }>()).results.map(
    (r) => r.id,
  );
}

export async function backupStatus(db: D1Database, id: string): Promise<string | null> {
  return db.prepare(`SELECT status FROM backups WHERE id = ?`).bind(id).first<string>("status");
}

export async function countCompletedBackups(db: D1Database): Promise<number> {
  return (await db.prepare(`SELECT count(*) AS n FROM backups WHERE status = 'completed'`).first<number>("n")) ?? 0;
}

/** Completed backups not (yet) in the replica, at most `limit`. */
export async function unreplicatedBackups(db: D1Database, limit = 500): Promise<string[]> {
  return (
    await db
      .prepare(`SELECT id FROM backups WHERE status = 'completed' AND (replica_status IS NULL OR replica_status = 'failed') LIMIT ?`)
      .bind(limit)
      .all<{ id: string }>()
  ).results.map((r) => r.id);
}

/** The backup a scheduled drill restores: the newest completed full-system backup, else the newest full database one. */
export async function drillBackupId(db: D1Database): Promise<string | null> {
  return db
    .prepare(
      `SELECT id FROM backups WHERE status = 'completed' AND type IN ('full_system', 'monthly_archive', 'full_database') AND parent_id IS NULL
       ORDER BY CASE type WHEN 'full_database' THEN 1 ELSE 0 END, completed_at DESC LIMIT 1`,
    )
    .first<string>("id");
}

/** Demo only (retention benchmarks): spaces the completed top-level backups `daysApart` days apart, the newest now. */
export async function spaceBackupsApart(db: D1Database, daysApart: number): Promise<number> {
  const { results } = await db
    .prepare(`SELECT id FROM backups WHERE status = 'completed' AND parent_id IS NULL ORDER BY completed_at DESC, id DESC LIMIT 10000`)
    .all<{ id: string }>();
  const now = Date.now();
  const stmts = results.map((b, i) => {
    const at = new Date(now - i * daysApart * 86_400_000).toISOString();
    return db.prepare(`UPDATE backups SET created_at = ?, completed_at = ? WHERE id = ? OR parent_id = ?`).bind(at, at, b.id, b.id);
  });
  for (let i = 0; i < stmts.length; i += 50) await db.batch(stmts.slice(i, i + 50));
  return results.length;
}

/** A backup of `type` still initiated or running, if any (the newest). */
export async function runningBackupOfType(db: D1Database, type: string): Promise<string | null> {
  return db
    .prepare(`SELECT id FROM backups WHERE type = ? AND status IN ('initiated', 'running') ORDER BY created_at DESC LIMIT 1`)
    .bind(type)
    .first<string>("id");
}
