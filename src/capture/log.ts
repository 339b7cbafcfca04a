import { ident } from "../db/sql";

/**
 * The change log inside the captured database. Its name is internal (`_vaultline_`), so backups, restores and the
 * schema readers never treat it as user data. AUTOINCREMENT: a sequence number is never reused, even after the
 * shipped part of the log is trimmed, and a rolled-back write takes its number back with it, so the sequence
 * has no holes unless someone deletes entries that were not shipped (a gap the shipper reports).
 */
export const CHANGE_LOG = "_vaultline_changes";

export const CREATE_CHANGE_LOG = `CREATE TABLE IF NOT EXISTS ${ident(CHANGE_LOG)} (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  tbl TEXT NOT NULL,
  op TEXT NOT NULL CHECK (op IN ('I', 'U', 'D')),
  key TEXT NOT NULL,
  row TEXT
)`;

/** Milliseconds since the epoch, from SQLite's own clock (the statement's time, the same for every row it writes). */
export const NOW_MS_SQL = "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";

export async function hasChangeLog(db: D1Database): Promise<boolean> {
  return (await db.prepare("SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = ?").bind(CHANGE_LOG).first("x")) !== null;
}

/**
 * The highest sequence number ever issued (0 before the first change), read from sqlite_sequence so it is right
 * even when the log has just been trimmed empty. Null when capture is not installed.
 */
export async function highWater(db: D1Database): Promise<number | null> {
  if (!(await hasChangeLog(db))) return null;
  const seq = await db.prepare("SELECT seq FROM sqlite_sequence WHERE name = ?").bind(CHANGE_LOG).first<number>("seq");
  return seq ?? 0;
}
