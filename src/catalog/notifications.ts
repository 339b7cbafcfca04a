/**
 * Notifications' state (docs/NOTIFICATIONS.md): the outbox cursor and the digest's last run (`notify_state`), alerts
 * (`alerts`), and what never got through (`notification_dead_letters`).
 */
export async function outboxCursor(db: D1Database): Promise<number> {
  return (await db.prepare(`SELECT last_audit_id FROM notify_state WHERE id = 1`).first<number>("last_audit_id")) ?? 0;
}

/** Moves the outbox cursor from `from` to `to`, only if no other run moved it meanwhile. */
export async function advanceOutbox(db: D1Database, from: number, to: number): Promise<void> {
  await db.prepare(`UPDATE notify_state SET last_audit_id = ? WHERE id = 1 AND last_audit_id = ?`).bind(to, from).run();
}

export async function lastDigestAt(db: D1Database): Promise<string | null> {
  return db.prepare(`SELECT last_digest_at FROM notify_state WHERE id = 1`).first<string | null>("last_digest_at");
}

export async function setLastDigestAt(db: D1Database, at: string): Promise<void> {
  await db.prepare(`UPDATE notify_state SET last_digest_at = ? WHERE id = 1`).bind(at).run();
}

export async function firingAlertKeys(db: D1Database): Promise<string[]> {
  return (await db.prepare(`SELECT key FROM alerts WHERE state = 'firing'`).all<{ key: string }>()).results.map((r) => r.key);
}

export async function fireAlert(db: D1Database, key: string, message: string, at: string): Promise<void> {
  await db
    .prepare(
      `INSERT INTO alerts (key, state, message, since, changed_at) VALUES (?, 'firing', ?, ?, ?) ON CONFLICT (key) DO UPDATE SET state = 'firing', message = excluded.message, since = excluded.since, changed_at = excluded.changed_at`,
    )
    .bind(key, message, at, at)
    .run();
}

export async function resolveAlert(db: D1Database, key: string, at: string): Promise<void> {
  await db.prepare(`UPDATE alerts SET state = 'resolved', changed_at = ? WHERE key = ?`).bind(at, key).run();
}

export async function recentAlerts(db: D1Database) {
  return (await db.prepare(`SELECT * FROM alerts ORDER BY changed_at DESC LIMIT 200`).all()).results;
}

export async function insertDeadLetter(
  db: D1Database,
  d: { id: string; event: string; destination: string; attempts: number },
): Promise<void> {
  await db
    .prepare(`INSERT OR IGNORE INTO notification_dead_letters (id, event, destination, attempts, received_at) VALUES (?, ?, ?, ?, ?)`)
    .bind(d.id, d.event, d.destination, d.attempts, new Date().toISOString())
    .run();
}

export async function recentDeadLetters(db: D1Database) {
  return (
    await db
      .prepare(`SELECT id, destination, attempts, received_at, event FROM notification_dead_letters ORDER BY received_at DESC LIMIT 200`)
      .all<{ id: string; destination: string; attempts: number; received_at: string; event: string }>()
  ).results;
}

/** A finished run's figures for the metrics dataset: a backup's, a restore's or a drill's. */
export async function runFigures(db: D1Database, kind: "backup" | "restore" | "test_restore", id: string) {
  const sql =
    kind === "backup"
      ? `SELECT type AS what, duration_ms, raw_bytes, stored_bytes, rows FROM backups WHERE id = ?`
      : kind === "restore"
        ? `SELECT target_environment AS what, duration_ms, 0 AS raw_bytes, 0 AS stored_bytes, rows FROM restores WHERE id = ?`
        : `SELECT 'drill' AS what, rto_ms AS duration_ms, 0 AS raw_bytes, 0 AS stored_bytes, 0 AS rows FROM test_restores WHERE id = ?`;
  return db
    .prepare(sql)
    .bind(id)
    .first<{ what: string; duration_ms: number | null; raw_bytes: number | null; stored_bytes: number | null; rows: number | null }>();
}
