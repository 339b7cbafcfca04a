import { entryHash, GENESIS } from "./hash";

export interface AuditEntry {
  actor: string;
  action: string;
  target?: string | null;
  /** HTTP status for API calls; 1 success, 0 failure for internal actions. */
  outcome: number;
  request_id?: string;
  /** From where: the client's address for API calls; "internal" for schedules and workflows. */
  source?: string;
  detail?: object;
}

const ATTEMPTS = 25;

/**
 * Appends one entry to the hash chain (docs/AUDIT.md). Appends race: each reads the head, hashes onto it and inserts
 * with id = head + 1 only while that head is still the last entry; a loser (primary-key or hash conflict, or the head
 * moved) reads the new head and tries again. Never holds a secret: callers pass subjects and ids, not tokens or keys.
 */
export async function audit(db: D1Database, e: AuditEntry): Promise<void> {
  const at = new Date().toISOString();
  const detail = e.detail ? JSON.stringify(e.detail) : null;
  for (let attempt = 1; ; attempt++) {
    const head = await db.prepare(`SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1`).first<{ id: number; hash: string | null }>();
    const prev = head?.hash ?? GENESIS;
    const row = { at, actor: e.actor, action: e.action, target: e.target ?? null, outcome: e.outcome, request_id: e.request_id ?? null, source: e.source ?? "internal", detail, prev_hash: prev };
    const hash = await entryHash(row);
    try {
      const r = await db
        .prepare(
          `INSERT INTO audit_log (id, at, actor, action, target, outcome, request_id, source, detail, prev_hash, hash)
           SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
           WHERE coalesce((SELECT id FROM audit_log ORDER BY id DESC LIMIT 1), 0) = ?`,
        )
        .bind((head?.id ?? 0) + 1, at, row.actor, row.action, row.target, row.outcome, row.request_id, row.source, detail, prev, hash, head?.id ?? 0)
        .run();
      if (r.meta.changes === 1) return;
    } catch (err) {
      if (!/UNIQUE|constraint/i.test(String(err))) throw err;
    }
    if (attempt >= ATTEMPTS) throw new Error(`audit append lost ${ATTEMPTS} races for the chain head`);
    await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
  }
}
