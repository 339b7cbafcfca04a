/**
 * Backup and restore metrics over time (GET /admin/metrics), from the catalog, which records every run's duration,
 * bytes, rows and outcome: per day and type, counts by outcome, mean and worst duration, bytes and throughput.
 */
export async function metrics(db: D1Database, days: number, type?: string) {
  const since = new Date(Date.now() - days * 86_400_000).toISOString();
  const { results: backups } = await db
    .prepare(
      `SELECT substr(created_at, 1, 10) AS day, type, count(*) AS runs,
         sum(status IN ('completed', 'forgetting', 'forgotten')) AS completed, sum(status = 'failed') AS failed,
         round(avg(CASE WHEN status != 'failed' THEN duration_ms END)) AS avg_duration_ms, max(CASE WHEN status != 'failed' THEN duration_ms END) AS max_duration_ms,
         sum(raw_bytes) AS raw_bytes, sum(stored_bytes) AS stored_bytes, sum(rows) AS rows,
         round(sum(raw_bytes) / 1e6 / nullif(sum(duration_ms) / 1000.0, 0), 1) AS throughput_mb_s
       FROM backups WHERE created_at >= ? AND parent_id IS NULL ${type ? "AND type = ?" : ""} GROUP BY day, type ORDER BY day, type`,
    )
    .bind(...(type ? [since, type] : [since]))
    .all();
  const { results: restores } = await db
    .prepare(
      `SELECT substr(created_at, 1, 10) AS day, target_environment, count(*) AS runs, sum(status = 'completed') AS completed,
         sum(status IN ('failed', 'rolled_back', 'cancelled')) AS not_completed, round(avg(duration_ms)) AS avg_duration_ms, max(duration_ms) AS max_duration_ms, sum(rows) AS rows
       FROM restores WHERE created_at >= ? AND parent_id IS NULL GROUP BY day, target_environment ORDER BY day, target_environment`,
    )
    .bind(since)
    .all();
  const { results: drills } = await db
    .prepare(
      `SELECT substr(created_at, 1, 10) AS day, count(*) AS runs, sum(status = 'passed') AS passed, max(rto_ms) AS worst_rto_ms FROM test_restores WHERE created_at >= ? GROUP BY day ORDER BY day`,
    )
    .bind(since)
    .all();
  return { since, backups, restores, test_restores: drills };
}
