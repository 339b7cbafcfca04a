/** Repository checks and backup verifications (`repository_checks`): started, finished with a report, read. */
export async function insertRepositoryCheck(db: D1Database, id: string, requestedBy: string): Promise<void> {
  await db
    .prepare(`INSERT INTO repository_checks (id, requested_by, status, started_at) VALUES (?, ?, 'running', ?)`)
    .bind(id, requestedBy, new Date().toISOString())
    .run();
}

export async function finishRepositoryCheck(db: D1Database, id: string, passed: boolean, report: unknown): Promise<void> {
  await db
    .prepare(`UPDATE repository_checks SET status = ?, completed_at = ?, report = ? WHERE id = ?`)
    .bind(passed ? "passed" : "failed", new Date().toISOString(), JSON.stringify(report), id)
    .run();
}

export async function getRepositoryCheck(db: D1Database, id: string): Promise<{ report: string | null } | null> {
  return db.prepare(`SELECT * FROM repository_checks WHERE id = ?`).bind(id).first<{ report: string | null }>();
}
