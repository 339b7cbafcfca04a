/** `change_requests`: destructive changes waiting for, or carried out after, a second person's approval. */
import type { ChangeKind } from "../../schemas/changes";

export interface ChangeRow {
  id: string;
  kind: ChangeKind;
  target: string;
  payload: string;
  summary: string;
  requested_by: string;
  requested_at: string;
  expires_at: string;
  status: "awaiting_approval" | "approved" | "rejected" | "expired" | "applied" | "failed";
  decided_by: string | null;
  decided_at: string | null;
  comment: string | null;
  effective_at: string | null;
  applied_at: string | null;
  error: string | null;
}

export async function insertChange(
  db: D1Database,
  c: Pick<ChangeRow, "id" | "kind" | "target" | "payload" | "summary" | "requested_by" | "requested_at" | "expires_at">,
): Promise<void> {
  await db
    .prepare(
      `INSERT INTO change_requests (id, kind, target, payload, summary, requested_by, requested_at, expires_at, status)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'awaiting_approval')`,
    )
    .bind(c.id, c.kind, c.target, c.payload, c.summary, c.requested_by, c.requested_at, c.expires_at)
    .run();
}

export async function getChange(db: D1Database, id: string): Promise<ChangeRow | null> {
  return db.prepare(`SELECT * FROM change_requests WHERE id = ?`).bind(id).first<ChangeRow>();
}

export async function listChanges(db: D1Database, status?: ChangeRow["status"]): Promise<ChangeRow[]> {
  const { results } = await (status
    ? db.prepare(`SELECT * FROM change_requests WHERE status = ? ORDER BY requested_at DESC LIMIT 200`).bind(status)
    : db.prepare(`SELECT * FROM change_requests ORDER BY requested_at DESC LIMIT 200`)
  ).all<ChangeRow>();
  return results;
}

/** Records a decision once: true when this call decided it (it was awaiting approval and not expired). */
export async function decideChange(
  db: D1Database,
  id: string,
  d: { status: "approved" | "rejected"; by: string; comment: string; effective_at: string | null },
): Promise<boolean> {
  const at = new Date().toISOString();
  const r = await db
    .prepare(
      `UPDATE change_requests SET status = ?, decided_by = ?, decided_at = ?, comment = ?, effective_at = ?
       WHERE id = ? AND status = 'awaiting_approval' AND expires_at > ?`,
    )
    .bind(d.status, d.by, at, d.comment, d.effective_at, id, at)
    .run();
  return r.meta.changes === 1;
}

export async function finishChange(
  db: D1Database,
  id: string,
  outcome: { status: "applied" | "failed"; error?: string },
): Promise<boolean> {
  const r = await db
    .prepare(`UPDATE change_requests SET status = ?, applied_at = ?, error = ? WHERE id = ? AND status = 'approved'`)
    .bind(outcome.status, new Date().toISOString(), outcome.error?.slice(0, 2000) ?? null, id)
    .run();
  return r.meta.changes === 1;
}

/** Approved changes whose time has come (at most `limit`), oldest first. */
export async function dueChanges(db: D1Database, now: string, limit = 20): Promise<ChangeRow[]> {
  const { results } = await db
    .prepare(`SELECT * FROM change_requests WHERE status = 'approved' AND effective_at <= ? ORDER BY effective_at LIMIT ?`)
    .bind(now, limit)
    .all<ChangeRow>();
  return results;
}

export async function expireChanges(db: D1Database, now: string): Promise<number> {
  const r = await db
    .prepare(`UPDATE change_requests SET status = 'expired' WHERE status = 'awaiting_approval' AND expires_at <= ?`)
    .bind(now)
    .run();
  return r.meta.changes;
}

/** An earlier request of the same kind and target still waiting, if any (one at a time per target). */
export async function pendingChange(db: D1Database, kind: ChangeKind, target: string): Promise<string | null> {
  return db
    .prepare(`SELECT id FROM change_requests WHERE kind = ? AND target = ? AND status IN ('awaiting_approval', 'approved') LIMIT 1`)
    .bind(kind, target)
    .first<string>("id");
}
