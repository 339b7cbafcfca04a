// The asset change feed's state in the catalog (src/assets/ship-feed.ts): the listing comparison's last view of each
// object, the keys R2 event notifications named, and the listing pass in progress.

export interface WatchRow {
  key: string;
  etag: string;
  size: number;
}

/** Watched objects with keys in (after, through] (through null: to the end), in key order, at most `limit`. */
export async function watchRange(db: D1Database, after: string | null, through: string | null, limit: number): Promise<WatchRow[]> {
  const { results } = await db
    .prepare(`SELECT key, etag, size FROM asset_watch WHERE key > ? ${through === null ? "" : "AND key <= ?"} ORDER BY key LIMIT ?`)
    .bind(...[after ?? "", ...(through === null ? [] : [through]), limit])
    .all<WatchRow>();
  return results;
}

export async function watchOf(db: D1Database, key: string): Promise<WatchRow | null> {
  return db.prepare("SELECT key, etag, size FROM asset_watch WHERE key = ?").bind(key).first<WatchRow>();
}

/** Records what was shipped (or seen, while seeding) and forgets what was deleted: bounded statements, one batch. */
export async function applyWatch(db: D1Database, seen: WatchRow[], gone: string[]): Promise<void> {
  const stmts: D1PreparedStatement[] = [];
  for (let i = 0; i < seen.length; i += 33) {
    const part = seen.slice(i, i + 33);
    stmts.push(
      db
        .prepare(
          `INSERT INTO asset_watch (key, etag, size) VALUES ${part.map(() => "(?, ?, ?)").join(", ")} ON CONFLICT (key) DO UPDATE SET etag = excluded.etag, size = excluded.size`,
        )
        .bind(...part.flatMap((r) => [r.key, r.etag, r.size])),
    );
  }
  for (let i = 0; i < gone.length; i += 100) {
    const part = gone.slice(i, i + 100);
    stmts.push(db.prepare(`DELETE FROM asset_watch WHERE key IN (${part.map(() => "?").join(", ")})`).bind(...part));
  }
  for (let i = 0; i < stmts.length; i += 50) await db.batch(stmts.slice(i, i + 50));
}

/** Keys named by R2 event notifications (src/assets/events.ts); a newer event for a key replaces its mark. */
export async function markAssetKeys(db: D1Database, events: { key: string; at: number }[]): Promise<void> {
  for (let i = 0; i < events.length; i += 50)
    await db.batch(
      events
        .slice(i, i + 50)
        .map((e) =>
          db
            .prepare(
              `INSERT INTO asset_marks (key, token, event_time) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET token = excluded.token, event_time = excluded.event_time`,
            )
            .bind(e.key, crypto.randomUUID(), e.at),
        ),
    );
}

export async function assetMarks(db: D1Database, limit: number): Promise<{ key: string; token: string }[]> {
  const { results } = await db
    .prepare("SELECT key, token FROM asset_marks ORDER BY key LIMIT ?")
    .bind(limit)
    .all<{ key: string; token: string }>();
  return results;
}

/** Removes marks handled, each only if no newer event replaced it. */
export async function clearAssetMarks(db: D1Database, marks: { key: string; token: string }[]): Promise<void> {
  for (let i = 0; i < marks.length; i += 50)
    await db.batch(
      marks.slice(i, i + 50).map((m) => db.prepare("DELETE FROM asset_marks WHERE key = ? AND token = ?").bind(m.key, m.token)),
    );
}

export interface FeedPass {
  after_key: string | null;
  started_at: number | null;
  seeding: boolean;
}

export async function getFeedPass(db: D1Database, source: string): Promise<FeedPass | null> {
  const row = await db
    .prepare("SELECT after_key, started_at, seeding FROM feed_passes WHERE source = ?")
    .bind(source)
    .first<{ after_key: string | null; started_at: number | null; seeding: number }>();
  return row ? { ...row, seeding: row.seeding === 1 } : null;
}

export async function saveFeedPass(db: D1Database, source: string, p: FeedPass): Promise<void> {
  await db
    .prepare(
      `INSERT INTO feed_passes (source, after_key, started_at, seeding) VALUES (?, ?, ?, ?)
       ON CONFLICT (source) DO UPDATE SET after_key = excluded.after_key, started_at = excluded.started_at, seeding = excluded.seeding`,
    )
    .bind(source, p.after_key, p.started_at, p.seeding ? 1 : 0)
    .run();
}
