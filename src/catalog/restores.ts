import { ConflictError } from "../errors";
import { audit } from "./audit-log";
import type { RestoreStatus } from "../../schemas/api";

export interface RestoreRow {
  id: string;
  backup_id: string;
  components: string;
  target_environment: string;
  target_binding: string;
  status: RestoreStatus;
  stage: string | null;
  progress: string | null;
  requested_by: string;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  updated_at: string;
  duration_ms: number | null;
  rows: number | null;
  error_code: string | null;
  error: string | null;
  restarts: number;
  target_timestamp: string | null;
  parent_id: string | null;
  approval_expires_at: string | null;
  gate_test_id: string | null;
  safety_backups: string | null;
  /** JSON: what a production restore overwrites (src/restore/selection-summary.ts). */
  selection: string | null;
  /** JSON: the selection as asked for (RequestSelection), which a rollback covers again. */
  scope: string | null;
  rollback_until: string | null;
  /** The instant a restore to target_timestamp reaches, when its plan fixed it (sessions carried by the change feed). */
  reached_at: string | null;
}

const now = () => new Date().toISOString();

export async function insertRestore(
  db: D1Database,
  r: {
    id: string;
    backup_id: string;
    components: string[];
    target_environment: string;
    target_binding: string;
    requested_by: string;
    target_timestamp?: string;
    parent_id?: string;
    /** What a production restore overwrites, as approvers see it (JSON-able). */
    selection?: unknown;
    /** The selection as asked for (the API's shape), for a rollback to cover the same scope. */
    scope?: unknown;
    reached_at?: string;
  },
): Promise<void> {
  const t = now();
  await db
    .prepare(
      `INSERT INTO restores (id, backup_id, components, target_environment, target_binding, status, requested_by, created_at, updated_at, target_timestamp, parent_id, selection, scope, reached_at)
       VALUES (?, ?, ?, ?, ?, 'initiated', ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(
      r.id,
      r.backup_id,
      JSON.stringify(r.components),
      r.target_environment,
      r.target_binding,
      r.requested_by,
      t,
      t,
      r.target_timestamp ?? null,
      r.parent_id ?? null,
      r.selection === undefined ? null : JSON.stringify(r.selection),
      r.scope === undefined ? null : JSON.stringify(r.scope),
      r.reached_at ?? null,
    )
    .run()
    .catch(async (e) => {
      // The one_production_restore index: another production restore is in progress (migration 0013).
      if (r.target_binding === "production" && /UNIQUE/i.test(String(e))) {
        const busy = await restoreInProgress(db, { production: true });
        throw new ConflictError(`production restore ${busy ?? "(another)"} is in progress; one at a time`);
      }
      throw e;
    });
  await audit(db, {
    actor: r.requested_by,
    action: "restore.requested",
    target: r.id,
    outcome: 1,
    detail: {
      backup_id: r.backup_id,
      components: r.components,
      target: r.target_binding,
      ...(r.target_timestamp ? { target_timestamp: r.target_timestamp } : {}),
      ...(r.parent_id ? { parent_id: r.parent_id } : {}),
    },
  });
}

export async function getRestore(db: D1Database, id: string): Promise<RestoreRow | null> {
  return db.prepare("SELECT * FROM restores WHERE id = ?").bind(id).first<RestoreRow>();
}

export async function markRestoreStage(db: D1Database, id: string, stage: string, progress: object | null): Promise<void> {
  const t = now();
  await db
    .prepare(
      `UPDATE restores SET status = CASE WHEN status = 'initiated' THEN 'running' ELSE status END,
         started_at = COALESCE(started_at, ?), stage = ?, progress = ?, updated_at = ?
       WHERE id = ? AND status IN ('initiated', 'running')`,
    )
    .bind(t, stage, progress ? JSON.stringify(progress) : null, t, id)
    .run();
}

export async function finishRestore(
  db: D1Database,
  id: string,
  outcome: { status: "completed" | "failed"; rows?: number; error_code?: string; error?: string },
): Promise<void> {
  const t = now();
  const finished = await db
    .prepare(
      `UPDATE restores SET status = ?, stage = CASE WHEN ? = 'completed' THEN 'done' ELSE stage END, rows = COALESCE(?, rows),
         error_code = ?, error = ?, completed_at = ?, duration_ms = CAST((julianday(?) - julianday(COALESCE(started_at, created_at))) * 86400000 AS INTEGER),
         updated_at = ?
       WHERE id = ? AND status IN ('initiated', 'running')`,
    )
    .bind(
      outcome.status,
      outcome.status,
      outcome.rows ?? null,
      outcome.error_code ?? null,
      outcome.error?.slice(0, 2000) ?? null,
      t,
      t,
      t,
      id,
    )
    .run();
  if (finished.meta.changes > 0) await auditRestoreEnd(db, id, outcome.status, outcome.error_code);
}

async function auditRestoreEnd(db: D1Database, id: string, status: string, code: string | null | undefined): Promise<void> {
  await audit(db, {
    actor: "system:workflow",
    action: `restore.${status}`,
    target: id,
    outcome: status === "completed" ? 1 : 0,
    detail: code ? { code } : undefined,
  });
}

/** Appends to a restore's log. `seq` is supplied by the caller's deterministic step order, so a retried step rewrites, never duplicates. */
export async function logRestore(
  db: D1Database,
  id: string,
  seq: number,
  level: "info" | "warn" | "error",
  message: string,
): Promise<void> {
  await db
    .prepare(`INSERT OR REPLACE INTO restore_log (restore_id, seq, at, level, message) VALUES (?, ?, ?, ?, ?)`)
    .bind(id, seq, now(), level, message)
    .run();
}

export async function readRestoreLog(db: D1Database, id: string) {
  const { results } = await db
    .prepare(`SELECT at, level, message FROM restore_log WHERE restore_id = ? ORDER BY seq LIMIT 500`)
    .bind(id)
    .all<{ at: string; level: string; message: string }>();
  return results;
}

/** Moves an orchestrating restore between the states only it has (awaiting approval, cancelled, rolled back...). */
export async function setRestoreState(
  db: D1Database,
  id: string,
  s: {
    status: RestoreStatus;
    stage?: string;
    error_code?: string | null;
    error?: string | null;
    approval_expires_at?: string;
    gate_test_id?: string;
    safety_backups?: Record<string, string>;
    rollback_until?: string;
    rows?: number;
  },
): Promise<void> {
  const t = now();
  const terminal = ["completed", "failed", "rolled_back", "cancelled"].includes(s.status);
  const moved = await db
    .prepare(
      `UPDATE restores SET status = ?, stage = COALESCE(?, stage), error_code = COALESCE(?, error_code), error = COALESCE(?, error),
         approval_expires_at = COALESCE(?, approval_expires_at), gate_test_id = COALESCE(?, gate_test_id),
         safety_backups = COALESCE(?, safety_backups), rollback_until = COALESCE(?, rollback_until), rows = COALESCE(?, rows),
         started_at = COALESCE(started_at, ?), updated_at = ?,
         completed_at = CASE WHEN ? THEN ? ELSE completed_at END,
         duration_ms = CASE WHEN ? THEN CAST((julianday(?) - julianday(COALESCE(started_at, created_at))) * 86400000 AS INTEGER) ELSE duration_ms END
       WHERE id = ? AND NOT (? AND status = ?)`,
    )
    .bind(
      s.status,
      s.stage ?? null,
      s.error_code ?? null,
      s.error?.slice(0, 2000) ?? null,
      s.approval_expires_at ?? null,
      s.gate_test_id ?? null,
      s.safety_backups ? JSON.stringify(s.safety_backups) : null,
      s.rollback_until ?? null,
      s.rows ?? null,
      t,
      t,
      terminal ? 1 : 0,
      t,
      terminal ? 1 : 0,
      t,
      id,
      terminal ? 1 : 0,
      s.status,
    )
    .run();
  // A terminal state is audited once, when it is reached.
  if (terminal && moved.meta.changes > 0) await auditRestoreEnd(db, id, s.status, s.error_code);
}

export interface ApprovalRow {
  restore_id: string;
  decision: "approve" | "reject";
  decided_by: string;
  comment: string;
  decided_at: string;
}

/** Stores a decision unless one is there (the first stands): false then. */
export async function insertApproval(db: D1Database, a: ApprovalRow): Promise<boolean> {
  const r = await db
    .prepare(
      "INSERT INTO restore_approvals (restore_id, decision, decided_by, comment, decided_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (restore_id) DO NOTHING",
    )
    .bind(a.restore_id, a.decision, a.decided_by, a.comment, a.decided_at)
    .run();
  return r.meta.changes > 0;
}

/** Records the decision and audits it; false when one was already recorded (the first stands). */
export async function recordApproval(db: D1Database, a: Omit<ApprovalRow, "decided_at">): Promise<boolean> {
  if (!(await insertApproval(db, { ...a, decided_at: now() }))) return false;
  await audit(db, {
    actor: a.decided_by,
    action: a.decision === "approve" ? "restore.approved" : "restore.rejected",
    target: a.restore_id,
    outcome: 1,
    detail: { comment: a.comment },
  });
  return true;
}

export async function getApproval(db: D1Database, restoreId: string): Promise<ApprovalRow | null> {
  return db.prepare("SELECT * FROM restore_approvals WHERE restore_id = ?").bind(restoreId).first<ApprovalRow>();
}

export async function childRestores(db: D1Database, parentId: string): Promise<RestoreRow[]> {
  const { results } = await db
    .prepare("SELECT * FROM restores WHERE parent_id = ? ORDER BY created_at, id")
    .bind(parentId)
    .all<RestoreRow>();
  return results;
}

/** A heartbeat: the watchdog takes a restore whose row has not moved for minutes for a stuck one. */
export async function touchRestore(db: D1Database, id: string): Promise<void> {
  await db.prepare("UPDATE restores SET updated_at = ? WHERE id = ?").bind(new Date().toISOString(), id).run();
}

/** A restore still in progress (initiated, awaiting approval or running) into production, or into one binding. */
export async function restoreInProgress(
  db: D1Database,
  where: { production: true } | { target_binding: string } | { target_bindings: string[] },
): Promise<string | null> {
  if ("production" in where) {
    return db
      .prepare(
        "SELECT id FROM restores WHERE target_environment = 'production' AND status IN ('initiated', 'awaiting_approval', 'running') LIMIT 1",
      )
      .first<string>("id");
  }
  const bindings = "target_binding" in where ? [where.target_binding] : where.target_bindings;
  return db
    .prepare(
      "SELECT id FROM restores WHERE target_binding IN (SELECT value FROM json_each(?)) AND status IN ('initiated', 'awaiting_approval', 'running') LIMIT 1",
    )
    .bind(JSON.stringify(bindings))
    .first<string>("id");
}
