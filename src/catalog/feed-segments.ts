// Change-feed segments (sessions, assets) in the catalog (docs/FORMAT.md, "Change-feed segments"): the same change_segments
// table as the database's change log, under the feed's own source, with each run's coverage.
import type { SegmentRef } from "../../schemas/capture";

export interface FeedSegmentRow extends SegmentRef {
  covered_from: number | null;
  covered_until: number | null;
}

const COLUMNS = "first_seq, last_seq, first_at, last_at, entries, key, sha256, covered_from, covered_until";

/** Feed segments first_seq..last_seq in order, one bounded page from `fromSeq`. */
export async function feedSegmentsFrom(
  db: D1Database,
  source: string,
  fromSeq: number,
  toSeq: number,
  limit: number,
): Promise<FeedSegmentRow[]> {
  const { results } = await db
    .prepare(`SELECT ${COLUMNS} FROM change_segments WHERE source = ? AND first_seq >= ? AND first_seq <= ? ORDER BY first_seq LIMIT ?`)
    .bind(source, fromSeq, toSeq, limit)
    .all<FeedSegmentRow>();
  return results;
}

/**
 * The feed's segments around an instant, for a restore from a base that started at `sinceMs`: the first segment read
 * at or after the base's start, the first read after `untilMs` (not applied, and its run's starting coverage), and the
 * newest segment.
 */
export async function feedWindow(
  db: D1Database,
  source: string,
  sinceMs: number,
  untilMs: number,
): Promise<{ first: number | null; next: { seq: number; covered_from: number | null } | null; newest: number | null }> {
  const [first, next, newest] = await db.batch([
    db.prepare(`SELECT min(first_seq) AS s FROM change_segments WHERE source = ? AND last_at >= ?`).bind(source, sinceMs),
    db
      .prepare(`SELECT first_seq AS seq, covered_from FROM change_segments WHERE source = ? AND last_at > ? ORDER BY first_seq LIMIT 1`)
      .bind(source, untilMs),
    db.prepare(`SELECT max(first_seq) AS s FROM change_segments WHERE source = ?`).bind(source),
  ]);
  return {
    first: (first!.results[0] as { s: number | null }).s,
    next: (next!.results[0] as { seq: number; covered_from: number | null } | undefined) ?? null,
    newest: (newest!.results[0] as { s: number | null }).s,
  };
}

/** Feed segments read wholly before `beforeMs` and shipped before `shippedBefore`: what retention may delete. */
export async function prunableFeedSegments(db: D1Database, source: string, beforeMs: number, shippedBefore: string, limit: number) {
  return (
    await db
      .prepare(
        `SELECT first_seq, key, stored_bytes FROM change_segments WHERE source = ? AND last_at < ? AND shipped_at < ? ORDER BY first_seq LIMIT ?`,
      )
      .bind(source, beforeMs, shippedBefore, limit)
      .all<{ first_seq: number; key: string; stored_bytes: number }>()
  ).results;
}

/** When the oldest kept completed backup of `type` started (ms), or null: feed segments before it serve no restore. */
export async function oldestKeptStart(db: D1Database, type: string): Promise<number | null> {
  const at = await db
    .prepare(`SELECT min(started_at) AS s FROM backups WHERE type = ? AND status = 'completed'`)
    .bind(type)
    .first<string | null>("s");
  return at ? Date.parse(at) : null;
}
