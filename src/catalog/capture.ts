import type { SegmentRef } from "../../schemas/capture";

export interface CaptureStateRow {
  source: string;
  last_seq: number;
  covered_until: number | null;
  schema_fingerprint: string | null;
  last_ship_at: string | null;
  last_error: string | null;
}

export interface BreakRow {
  source: string;
  after_seq: number;
  kind: "gap" | "schema" | "restore";
  next_seq: number | null;
  known_until: number;
  detail: string;
  recorded_at: string;
}

export async function getCaptureState(db: D1Database, source: string): Promise<CaptureStateRow | null> {
  return db.prepare("SELECT * FROM capture_state WHERE source = ?").bind(source).first<CaptureStateRow>();
}

export async function saveCaptureState(db: D1Database, s: Omit<CaptureStateRow, "last_ship_at" | "last_error">): Promise<void> {
  await db
    .prepare(
      `INSERT INTO capture_state (source, last_seq, covered_until, schema_fingerprint, last_ship_at, last_error) VALUES (?, ?, ?, ?, ?, NULL)
       ON CONFLICT (source) DO UPDATE SET last_seq = excluded.last_seq, covered_until = excluded.covered_until,
         schema_fingerprint = excluded.schema_fingerprint, last_ship_at = excluded.last_ship_at, last_error = NULL`,
    )
    .bind(s.source, s.last_seq, s.covered_until, s.schema_fingerprint, new Date().toISOString())
    .run();
}

export async function recordShipError(db: D1Database, source: string, message: string): Promise<void> {
  await db.prepare("UPDATE capture_state SET last_error = ? WHERE source = ?").bind(message.slice(0, 2000), source).run();
}

/** Records a shipped segment (a change-feed segment also with its run's coverage: src/feed/run.ts). */
export async function recordSegment(
  db: D1Database,
  source: string,
  s: SegmentRef & { raw_bytes: number; stored_bytes: number; covered_from?: number | null; covered_until?: number | null },
): Promise<void> {
  await db
    .prepare(
      `INSERT INTO change_segments (source, first_seq, last_seq, first_at, last_at, entries, key, sha256, raw_bytes, stored_bytes, shipped_at, covered_from, covered_until)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, first_seq) DO NOTHING`,
    )
    .bind(
      source,
      s.first_seq,
      s.last_seq,
      s.first_at,
      s.last_at,
      s.entries,
      s.key,
      s.sha256,
      s.raw_bytes,
      s.stored_bytes,
      new Date().toISOString(),
      s.covered_from ?? null,
      s.covered_until ?? null,
    )
    .run();
}

export interface SegmentRow extends SegmentRef {
  raw_bytes: number;
  stored_bytes: number;
}

/** A catalog row as the manifests name a segment. */
export function toSegmentRef(s: SegmentRow): SegmentRef {
  return {
    first_seq: s.first_seq,
    last_seq: s.last_seq,
    first_at: s.first_at,
    last_at: s.last_at,
    entries: s.entries,
    key: s.key,
    sha256: s.sha256,
  };
}

const SEGMENT_COLUMNS = "first_seq, last_seq, first_at, last_at, entries, key, sha256, raw_bytes, stored_bytes";

/** Segments holding entries after `afterSeq`, in order, one bounded page. */
export async function segmentsAfter(db: D1Database, source: string, afterSeq: number, limit: number): Promise<SegmentRow[]> {
  const { results } = await db
    .prepare(`SELECT ${SEGMENT_COLUMNS} FROM change_segments WHERE source = ? AND last_seq > ? ORDER BY first_seq LIMIT ?`)
    .bind(source, afterSeq, limit)
    .all<SegmentRow>();
  return results;
}

/** Segments that hold entries in (fromSeq, toSeq], in order. */
export async function segmentsBetween(db: D1Database, source: string, fromSeq: number, toSeq: number): Promise<SegmentRow[]> {
  const { results } = await db
    .prepare(`SELECT ${SEGMENT_COLUMNS} FROM change_segments WHERE source = ? AND last_seq > ? AND first_seq <= ? ORDER BY first_seq`)
    .bind(source, fromSeq, toSeq)
    .all<SegmentRow>();
  return results;
}

/** How many shipped segments hold changes in (fromSeq, toSeq]: what a restore replays, for its step budget. */
export async function countSegmentsBetween(db: D1Database, source: string, fromSeq: number, toSeq: number): Promise<number> {
  return (
    (await db
      .prepare(`SELECT count(*) AS n FROM change_segments WHERE source = ? AND last_seq > ? AND first_seq <= ?`)
      .bind(source, fromSeq, toSeq)
      .first<number>("n")) ?? 0
  );
}

export async function recordBreak(db: D1Database, b: Omit<BreakRow, "recorded_at">): Promise<void> {
  await db
    .prepare(
      `INSERT INTO capture_breaks (source, after_seq, kind, next_seq, known_until, detail, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (source, after_seq, kind) DO NOTHING`,
    )
    .bind(b.source, b.after_seq, b.kind, b.next_seq, b.known_until, b.detail, new Date().toISOString())
    .run();
}

export async function listBreaks(db: D1Database, source: string): Promise<BreakRow[]> {
  const { results } = await db.prepare("SELECT * FROM capture_breaks WHERE source = ? ORDER BY after_seq").bind(source).all<BreakRow>();
  return results;
}

/** A completed full backup's place in the change log (null columns when capture was not installed). */
export async function recordCapturePoint(
  db: D1Database,
  backupId: string,
  p: { seq_start: number; seq_end: number; as_of: number },
): Promise<void> {
  await db
    .prepare("UPDATE backups SET seq_start = ?, seq_end = ?, as_of = ? WHERE id = ?")
    .bind(p.seq_start, p.seq_end, p.as_of, backupId)
    .run();
}

/** A full backup's D1 Time Travel bookmark for its instant (src/capture/time-travel.ts). */
export async function setTimeTravelBookmark(db: D1Database, id: string, bookmark: string): Promise<void> {
  await db.prepare("UPDATE backups SET time_travel_bookmark = ? WHERE id = ?").bind(bookmark, id).run();
}

/** The full backup an incremental one builds on. */
export async function setBaseBackup(db: D1Database, id: string, baseId: string): Promise<void> {
  await db.prepare("UPDATE backups SET base_backup_id = ? WHERE id = ?").bind(baseId, id).run();
}

/** The newest completed full database backup with change capture: the base of an incremental backup. */
export async function newestCaptureBase(db: D1Database): Promise<{ id: string; seq_start: number; seq_end: number; as_of: number } | null> {
  return db
    .prepare(
      `SELECT id, seq_start, seq_end, as_of FROM backups WHERE type = 'full_database' AND status = 'completed' AND seq_end IS NOT NULL ORDER BY as_of DESC LIMIT 1`,
    )
    .first<{ id: string; seq_start: number; seq_end: number; as_of: number }>();
}

/** The shipped change log of a source: how many segments, and their stored bytes. */
export async function changeLogStats(db: D1Database, source: string): Promise<{ segments: number; stored_bytes: number }> {
  return (await db
    .prepare("SELECT count(*) AS segments, coalesce(sum(stored_bytes), 0) AS stored_bytes FROM change_segments WHERE source = ?")
    .bind(source)
    .first<{ segments: number; stored_bytes: number }>())!;
}

/** The newest `limit` full database backups taken with change capture, newest first: point-in-time bases. */
export async function captureBases(
  db: D1Database,
  limit: number,
): Promise<{ id: string; seq_start: number; seq_end: number; as_of: number }[]> {
  return (
    await db
      .prepare(
        `SELECT id, seq_start, seq_end, as_of FROM backups WHERE type = 'full_database' AND status = 'completed' AND seq_end IS NOT NULL ORDER BY as_of DESC LIMIT ?`,
      )
      .bind(limit)
      .all<{ id: string; seq_start: number; seq_end: number; as_of: number }>()
  ).results;
}
