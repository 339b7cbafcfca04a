export interface AuditEntry {
  actor: string;
  action: string;
  target?: string | null;
  outcome: number;
  request_id?: string;
  detail?: object;
}

/** Appends one audit record. Never holds a secret: callers pass subjects and ids, not tokens or keys. */
export async function audit(db: D1Database, e: AuditEntry): Promise<void> {
  await db
    .prepare(`INSERT INTO audit_log (at, actor, action, target, outcome, request_id, detail) VALUES (?, ?, ?, ?, ?, ?, ?)`)
    .bind(new Date().toISOString(), e.actor, e.action, e.target ?? null, e.outcome, e.request_id ?? null, e.detail ? JSON.stringify(e.detail) : null)
    .run();
}
