import { audit } from "../catalog/audit-log";

export interface RetentionReport {
  policy_version: number;
  planned: number;
  forgotten: string[];
  spared: { id: string; reason: string }[];
  phase_two: { collection: string; deleted: number; resurrected: number; freed_bytes: number } | { waiting_for: string[]; collection: string } | null;
  phase_one: { fossilized: number; fossil_bytes: number; listed: number } | null;
  /** Change-log segments deleted: all before the oldest kept base's scan (one page a run). */
  change_log?: { deleted: number; bytes: number; before_seq: number | null };
  /** Chunks moved to InfrequentAccess (cooled) or back to Standard (warmed). */
  tiers?: { cooled: number; warmed: number; bytes: number };
  marked: { manifests: number; refs: number };
}

/** Records a run when it is started (so it can be read at once), and the policy version once its plan is made. */
export async function startRun(db: D1Database, r: { id: string; trigger: string; requested_by: string; policy_version?: number }): Promise<void> {
  await db.batch([
    db.prepare(`INSERT OR IGNORE INTO retention_runs (id, trigger, requested_by, status, started_at) VALUES (?, ?, ?, 'running', ?)`).bind(r.id, r.trigger, r.requested_by, new Date().toISOString()),
    db.prepare(`UPDATE retention_runs SET policy_version = coalesce(?, policy_version) WHERE id = ?`).bind(r.policy_version ?? null, r.id),
  ]);
}

export async function finishRun(db: D1Database, id: string, r: { status: "completed"; report: RetentionReport } | { status: "failed"; error: string }): Promise<void> {
  const done = await db
    .prepare(`UPDATE retention_runs SET status = ?, report = ?, error = ?, completed_at = ? WHERE id = ? AND status = 'running'`)
    .bind(r.status, r.status === "completed" ? JSON.stringify(r.report) : null, r.status === "failed" ? r.error.slice(0, 2000) : null, new Date().toISOString(), id)
    .run();
  if (done.meta.changes === 0) return;
  const detail =
    r.status === "completed"
      ? { forgotten: r.report.forgotten.length, fossilized: r.report.phase_one?.fossilized ?? 0, deleted: r.report.phase_two && "deleted" in r.report.phase_two ? r.report.phase_two.deleted : 0 }
      : { error: r.error.slice(0, 300) };
  await audit(db, { actor: "system:retention", action: `retention.${r.status}`, target: id, outcome: r.status === "completed" ? 1 : 0, detail });
}

export async function getRun(db: D1Database, id: string) {
  const row = await db.prepare(`SELECT * FROM retention_runs WHERE id = ?`).bind(id).first<Record<string, unknown> & { report: string | null }>();
  return row ? { ...row, report: row.report ? JSON.parse(row.report) : null } : null;
}
