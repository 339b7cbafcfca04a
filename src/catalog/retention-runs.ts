/** Retention runs (`retention_runs`): recorded when started, with the policy version once planned, then finished. */
export async function startRunRow(
  db: D1Database,
  r: { id: string; trigger: string; requested_by: string; policy_version?: number },
): Promise<void> {
  await db.batch([
    db
      .prepare(`INSERT OR IGNORE INTO retention_runs (id, trigger, requested_by, status, started_at) VALUES (?, ?, ?, 'running', ?)`)
      .bind(r.id, r.trigger, r.requested_by, new Date().toISOString()),
    db.prepare(`UPDATE retention_runs SET policy_version = coalesce(?, policy_version) WHERE id = ?`).bind(r.policy_version ?? null, r.id),
  ]);
}

/** Finishes a running run; false when it was not running (a retried step). */
export async function finishRunRow(
  db: D1Database,
  id: string,
  r: { status: "completed" | "failed"; report: string | null; error: string | null },
): Promise<boolean> {
  const done = await db
    .prepare(`UPDATE retention_runs SET status = ?, report = ?, error = ?, completed_at = ? WHERE id = ? AND status = 'running'`)
    .bind(r.status, r.report, r.error, new Date().toISOString(), id)
    .run();
  return done.meta.changes > 0;
}

export async function getRunRow(db: D1Database, id: string) {
  return db.prepare(`SELECT * FROM retention_runs WHERE id = ?`).bind(id).first<Record<string, unknown> & { report: string | null }>();
}
