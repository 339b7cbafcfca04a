/**
 * What retention keeps in the catalog (docs/RETENTION.md): backups moving through forgetting, fossil collections
 * (`fossil_collections`), a run's chunk marks (`prune_marks`), and the change-log segments pruning removes.
 */
const now = () => new Date().toISOString();

/** Forgetting, step one: the row says why and which run; a crash after it is finished by the next run. */
export async function markForgetting(db: D1Database, id: string, reason: string, runId: string): Promise<void> {
  await db
    .prepare(
      `UPDATE backups SET status = 'forgetting', forget_reason = ?, forget_run = ?, updated_at = ? WHERE id = ? AND status IN ('completed', 'failed', 'forgetting')`,
    )
    .bind(reason, runId, now(), id)
    .run();
}

/** Forgetting, last step (its manifest is gone): true when this call made the change. */
export async function markForgotten(db: D1Database, id: string): Promise<boolean> {
  const at = now();
  const done = await db
    .prepare(`UPDATE backups SET status = 'forgotten', forgotten_at = ?, updated_at = ? WHERE id = ? AND status = 'forgetting'`)
    .bind(at, at, id)
    .run();
  return done.meta.changes > 0;
}

/** Completed and forgotten backups after `after`, by id, a page at a time (the repository check). */
export async function backupStatusPage(db: D1Database, after: string, limit: number): Promise<{ id: string; status: string }[]> {
  return (
    await db
      .prepare(`SELECT id, status FROM backups WHERE id > ? AND status IN ('completed', 'forgotten') ORDER BY id LIMIT ?`)
      .bind(after, limit)
      .all<{ id: string; status: string }>()
  ).results;
}

export async function pendingFossilCollections(db: D1Database): Promise<number> {
  return (await db.prepare(`SELECT count(*) AS n FROM fossil_collections WHERE status = 'pending'`).first<number>("n")) ?? 0;
}

/** The oldest fossil collection waiting for phase two, and the backups still unfinished that began before it ended. */
export async function oldestPendingCollection(db: D1Database): Promise<{ id: string; ended_at: string; waiting_for: string[] } | null> {
  const c = await db
    .prepare(`SELECT id, ended_at FROM fossil_collections WHERE status = 'pending' ORDER BY ended_at LIMIT 1`)
    .first<{ id: string; ended_at: string }>();
  if (!c) return null;
  const { results } = await db
    .prepare(`SELECT id FROM backups WHERE created_at <= ? AND status IN ('initiated', 'running') ORDER BY id LIMIT 20`)
    .bind(c.ended_at)
    .all<{ id: string }>();
  return { ...c, waiting_for: results.map((r) => r.id) };
}

export async function recordFossilCollection(
  db: D1Database,
  c: { id: string; collected_at: string; chunks: number; bytes: number },
): Promise<void> {
  await db
    .prepare(`INSERT OR IGNORE INTO fossil_collections (id, collected_at, ended_at, chunks, bytes, status) VALUES (?, ?, ?, ?, ?, ?)`)
    .bind(c.id, c.collected_at, now(), c.chunks, c.bytes, c.chunks > 0 ? "pending" : "done")
    .run();
}

export async function finishFossilCollection(
  db: D1Database,
  id: string,
  r: { deleted: number; resurrected: number; freed_bytes: number },
): Promise<void> {
  await db
    .prepare(`UPDATE fossil_collections SET status = 'done', done_at = ?, deleted = ?, resurrected = ?, freed_bytes = ? WHERE id = ?`)
    .bind(now(), r.deleted, r.resurrected, r.freed_bytes, id)
    .run();
}

/**
 * Which of `ids` go cold: monthly archives (and their components), and backups completed before `cutoff` ("" for
 * none). At most 98 ids a call (D1's bound parameters).
 */
export async function coldBackupIds(db: D1Database, ids: string[], cutoff: string): Promise<string[]> {
  if (ids.length === 0) return [];
  const { results } = await db
    .prepare(
      `SELECT b.id FROM backups b LEFT JOIN backups p ON p.id = b.parent_id
       WHERE b.id IN (SELECT value FROM json_each(?)) AND (COALESCE(p.type, b.type) = 'monthly_archive' OR (? != '' AND b.completed_at < ?))`,
    )
    .bind(JSON.stringify(ids), cutoff, cutoff)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

/** Marks chunks as referenced in a run (hot wins over cold), 33 a statement, one batch. */
export async function insertMarks(db: D1Database, runId: string, ids: string[], hot: boolean): Promise<void> {
  const stmts: D1PreparedStatement[] = [];
  for (let i = 0; i < ids.length; i += 33) {
    const part = ids.slice(i, i + 33); // three bound parameters each, under D1's 100
    stmts.push(
      db
        .prepare(
          `INSERT INTO prune_marks (run_id, chunk_id, hot) VALUES ${part.map(() => "(?, ?, ?)").join(", ")} ON CONFLICT (run_id, chunk_id) DO UPDATE SET hot = max(hot, excluded.hot)`,
        )
        .bind(...part.flatMap((id) => [runId, id, hot ? 1 : 0])),
    );
  }
  if (stmts.length) await db.batch(stmts);
}

/** Which of `ids` this run marked, each with whether a hot backup references it. */
export async function marked(db: D1Database, runId: string, ids: string[]): Promise<Map<string, boolean>> {
  const found = new Map<string, boolean>();
  for (let i = 0; i < ids.length; i += 98) {
    const part = ids.slice(i, i + 98);
    const { results } = await db
      .prepare(`SELECT chunk_id, hot FROM prune_marks WHERE run_id = ? AND chunk_id IN (${part.map(() => "?").join(", ")})`)
      .bind(runId, ...part)
      .all<{ chunk_id: string; hot: number }>();
    for (const r of results) found.set(r.chunk_id, r.hot === 1);
  }
  return found;
}

export async function clearMarks(db: D1Database, runId: string): Promise<void> {
  await db.prepare(`DELETE FROM prune_marks WHERE run_id = ?`).bind(runId).run();
}

/** The oldest change-log position a kept full backup needs (null: none does). */
export async function oldestKeptScanStart(db: D1Database): Promise<number | null> {
  return db
    .prepare(`SELECT min(seq_start) AS s FROM backups WHERE status = 'completed' AND seq_start IS NOT NULL`)
    .first<number | null>("s");
}

/** Change-log segments wholly before `beforeSeq` and shipped before `shippedBefore`: what pruning may delete. */
export async function prunableSegments(db: D1Database, source: string, beforeSeq: number, shippedBefore: string, limit: number) {
  return (
    await db
      .prepare(
        `SELECT first_seq, key, stored_bytes FROM change_segments WHERE source = ? AND last_seq <= ? AND shipped_at < ? ORDER BY first_seq LIMIT ?`,
      )
      .bind(source, beforeSeq, shippedBefore, limit)
      .all<{ first_seq: number; key: string; stored_bytes: number }>()
  ).results;
}

export async function deleteSegmentRows(db: D1Database, source: string, firstSeqs: number[]): Promise<void> {
  if (firstSeqs.length)
    await db.batch(firstSeqs.map((s) => db.prepare(`DELETE FROM change_segments WHERE source = ? AND first_seq = ?`).bind(source, s)));
}
