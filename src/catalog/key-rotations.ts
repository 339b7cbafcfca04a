import type { KeyReport } from "../../schemas/keys";
import { audit } from "./audit-log";

export interface KeyRotationRow {
  id: string;
  status: "running" | "completed" | "failed";
  requested_by: string;
  to_kek: string | null;
  created_at: string;
  completed_at: string | null;
  rewrapped: number | null;
  report: string | null;
  error: string | null;
}

export async function insertKeyRotation(db: D1Database, r: { id: string; requested_by: string }): Promise<void> {
  await db
    .prepare(`INSERT INTO key_rotations (id, status, requested_by, created_at) VALUES (?, 'running', ?, ?)`)
    .bind(r.id, r.requested_by, new Date().toISOString())
    .run();
  await audit(db, { actor: r.requested_by, action: "key.rotation.started", target: r.id, outcome: 1 });
}

export async function finishKeyRotation(
  db: D1Database,
  id: string,
  r: { status: "completed"; to_kek: string; rewrapped: number; report: KeyReport } | { status: "failed"; error: string },
): Promise<void> {
  const done = await db
    .prepare(
      `UPDATE key_rotations SET status = ?, to_kek = ?, rewrapped = ?, report = ?, error = ?, completed_at = ? WHERE id = ? AND status = 'running'`,
    )
    .bind(
      r.status,
      r.status === "completed" ? r.to_kek : null,
      r.status === "completed" ? r.rewrapped : null,
      r.status === "completed" ? JSON.stringify(r.report) : null,
      r.status === "failed" ? r.error.slice(0, 2000) : null,
      new Date().toISOString(),
      id,
    )
    .run();
  if (done.meta.changes > 0) {
    const detail = r.status === "completed" ? { to_kek: r.to_kek, rewrapped: r.rewrapped } : { error: r.error.slice(0, 300) };
    await audit(db, {
      actor: "system:workflow",
      action: `key.rotation.${r.status}`,
      target: id,
      outcome: r.status === "completed" ? 1 : 0,
      detail,
    });
  }
}

export async function getKeyRotation(db: D1Database, id: string): Promise<KeyRotationRow | null> {
  return db.prepare(`SELECT * FROM key_rotations WHERE id = ?`).bind(id).first<KeyRotationRow>();
}

/** A master key retired: its wraps were deleted (docs/KEYS.md). */
export async function recordKeyRetirement(db: D1Database, kekId: string, by: string, wrapsDeleted: number): Promise<void> {
  await db
    .prepare(`INSERT OR REPLACE INTO key_retirements (kek_id, retired_by, retired_at, wraps_deleted) VALUES (?, ?, ?, ?)`)
    .bind(kekId, by, new Date().toISOString(), wrapsDeleted)
    .run();
}
