/**
 * Replication catch-up runs, scrub runs and the scrub's cursor (docs/REPLICATION.md): `replication_runs`,
 * `scrub_runs`, `scrub_state`, and the replica status of backups as a summary.
 */
const now = () => new Date().toISOString();

export async function insertReplicationRun(db: D1Database, id: string, trigger: string): Promise<void> {
  await db
    .prepare(`INSERT OR IGNORE INTO replication_runs (id, trigger, status, started_at) VALUES (?, ?, 'running', ?)`)
    .bind(id, trigger, now())
    .run();
}

export async function finishReplicationRun(
  db: D1Database,
  id: string,
  r:
    | { status: "completed"; checked?: number; copied?: number; bytes?: number; lag_seconds?: number | null; error?: string }
    | { status: "failed"; error: string },
): Promise<void> {
  if (r.status === "failed") {
    await db
      .prepare(`UPDATE replication_runs SET status = 'failed', completed_at = ?, error = ? WHERE id = ?`)
      .bind(now(), r.error, id)
      .run();
    return;
  }
  await db
    .prepare(
      `UPDATE replication_runs SET status = 'completed', completed_at = ?, checked = ?, copied = ?, bytes = ?, lag_seconds = ?, error = ? WHERE id = ?`,
    )
    .bind(now(), r.checked ?? null, r.copied ?? null, r.bytes ?? null, r.lag_seconds ?? null, r.error ?? null, id)
    .run();
}

export async function getReplicationRun(db: D1Database, id: string): Promise<Record<string, unknown> | null> {
  return db.prepare(`SELECT * FROM replication_runs WHERE id = ?`).bind(id).first();
}

/** The replication summary: the last catch-up run, completed backups by replica status, the scrub's state and last run. */
export async function replicationSummary(db: D1Database) {
  const last = await db.prepare(`SELECT * FROM replication_runs ORDER BY started_at DESC LIMIT 1`).first();
  const { results: byStatus } = await db
    .prepare(
      `SELECT coalesce(replica_status, 'not replicated') AS replica_status, count(*) AS backups FROM backups WHERE status = 'completed' GROUP BY 1`,
    )
    .all();
  const scrub = await db.prepare(`SELECT * FROM scrub_state WHERE id = 1`).first();
  const lastScrub = await db
    .prepare(`SELECT id, status, started_at, completed_at, report FROM scrub_runs ORDER BY started_at DESC LIMIT 1`)
    .first<{ report: string | null }>();
  return { last, byStatus, scrub, lastScrub };
}

export async function insertScrubRun(db: D1Database, id: string): Promise<void> {
  await db.prepare(`INSERT OR IGNORE INTO scrub_runs (id, status, started_at) VALUES (?, 'running', ?)`).bind(id, now()).run();
}

export async function finishScrubRun(db: D1Database, id: string, report: unknown): Promise<void> {
  await db
    .prepare(`UPDATE scrub_runs SET status = 'completed', completed_at = ?, report = ? WHERE id = ?`)
    .bind(now(), JSON.stringify(report), id)
    .run();
}

export async function getScrubRun(db: D1Database, id: string): Promise<{ report: string | null } | null> {
  return db.prepare(`SELECT * FROM scrub_runs WHERE id = ?`).bind(id).first<{ report: string | null }>();
}

/** Where the rotating scrub stands: the next object name to read (null: the start of a new cycle). */
export async function scrubCursor(db: D1Database): Promise<string | null> {
  return (await db.prepare(`SELECT cursor FROM scrub_state WHERE id = 1`).first<{ cursor: string | null }>())?.cursor ?? null;
}

/** Moves the scrub's cursor on after a page; a null cursor ends the cycle. */
export async function advanceScrub(db: D1Database, cursor: string | null, checked: number): Promise<void> {
  if (cursor === null) {
    await db
      .prepare(`UPDATE scrub_state SET cursor = NULL, cycle_started_at = NULL, cycle_checked = 0, last_cycle_completed_at = ? WHERE id = 1`)
      .bind(now())
      .run();
  } else {
    await db
      .prepare(
        `UPDATE scrub_state SET cursor = ?, cycle_started_at = coalesce(cycle_started_at, ?), cycle_checked = cycle_checked + ? WHERE id = 1`,
      )
      .bind(cursor, now(), checked)
      .run();
  }
}
