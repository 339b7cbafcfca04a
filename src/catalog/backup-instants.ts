// Backups by the instant they completed: what a restore to an instant reads (src/restore/system-instant.ts) and what
// restore-points lists for sessions and assets.
import type { BackupRow } from "./backups";

/** The newest completed backups of a component-level type (what an instant restore of it can read), at most `limit`. */
export async function completedPoints(db: D1Database, type: string, limit: number): Promise<{ at: string; backup_id: string }[]> {
  const { results } = await db
    .prepare(
      `SELECT completed_at AS at, id AS backup_id FROM backups WHERE type = ? AND status = 'completed' ORDER BY completed_at DESC LIMIT ?`,
    )
    .bind(type, limit)
    .all<{ at: string; backup_id: string }>();
  return results;
}

/**
 * Around an instant, for one component-level backup type: the newest completed backup that completed at or before
 * it (what a restore to that instant reads), and when the first one after it completed (the nearest instant after).
 */
export async function backupsAround(db: D1Database, type: string, at: string): Promise<{ before: BackupRow | null; after: string | null }> {
  const [before, after] = await db.batch([
    db
      .prepare(`SELECT * FROM backups WHERE type = ? AND status = 'completed' AND completed_at <= ? ORDER BY completed_at DESC LIMIT 1`)
      .bind(type, at),
    db.prepare(`SELECT min(completed_at) AS at FROM backups WHERE type = ? AND status = 'completed' AND completed_at > ?`).bind(type, at),
  ]);
  return {
    before: (before!.results[0] as BackupRow | undefined) ?? null,
    after: ((after!.results[0] as { at: string | null } | undefined)?.at as string | null) ?? null,
  };
}
