/**
 * What a compliance report (src/reports/compliance.ts) reads for a period [from, to): backup outcomes by type, drills,
 * forgotten backups, legal holds, access to backup data, key operations; and the worst RPO gap. Lists are capped.
 */
export async function complianceFacts(db: D1Database, from: string, to: string, opts: { dataAccess: string[]; limit: number }) {
  const all = async <T>(sql: string, ...args: unknown[]) =>
    (
      await db
        .prepare(sql)
        .bind(...args)
        .all<T>()
    ).results;
  const L = opts.limit;
  return {
    backups: await all<{ type: string; completed: number; failed: number }>(
      `SELECT type, sum(status IN ('completed', 'forgetting', 'forgotten')) AS completed, sum(status = 'failed') AS failed
       FROM backups WHERE created_at >= ? AND created_at < ? AND parent_id IS NULL GROUP BY type ORDER BY type`,
      from,
      to,
    ),
    drills: await all<{
      id: string;
      backup_id: string;
      status: string;
      trigger: string;
      rto_ms: number | null;
      completed_at: string | null;
    }>(
      `SELECT id, backup_id, status, trigger, rto_ms, completed_at FROM test_restores WHERE created_at >= ? AND created_at < ? ORDER BY created_at LIMIT ?`,
      from,
      to,
      L,
    ),
    forgotten: await all(
      `SELECT id AS backup_id, type, forgotten_at, forget_reason AS reason, forget_run AS run FROM backups WHERE forgotten_at >= ? AND forgotten_at < ? ORDER BY forgotten_at LIMIT ?`,
      from,
      to,
      L,
    ),
    holdsPlaced: await all(
      `SELECT id, backup_id, component, from_at, to_at, reason, placed_by, placed_at FROM legal_holds WHERE placed_at >= ? AND placed_at < ? ORDER BY placed_at LIMIT ?`,
      from,
      to,
      L,
    ),
    holdsReleased: await all(
      `SELECT id, released_by, released_at, release_reason FROM legal_holds WHERE released_at >= ? AND released_at < ? ORDER BY released_at LIMIT ?`,
      from,
      to,
      L,
    ),
    holdsActive: await all(
      `SELECT id, backup_id, component, from_at, to_at, reason, placed_by, placed_at FROM legal_holds WHERE released_at IS NULL AND placed_at < ? ORDER BY placed_at LIMIT ?`,
      to,
      L,
    ),
    access: await all(
      `SELECT at, actor, action, target, outcome, source FROM audit_log WHERE at >= ? AND at < ? AND action IN (SELECT value FROM json_each(?)) ORDER BY id LIMIT ?`,
      from,
      to,
      JSON.stringify(opts.dataAccess),
      L,
    ),
    rotations: await all(
      `SELECT id, status, requested_by, to_kek, created_at, completed_at, rewrapped FROM key_rotations WHERE created_at >= ? AND created_at < ? ORDER BY created_at LIMIT ?`,
      from,
      to,
      L,
    ),
    retirements: await all(
      `SELECT kek_id, retired_by, retired_at, wraps_deleted FROM key_retirements WHERE retired_at >= ? AND retired_at < ? ORDER BY retired_at LIMIT ?`,
      from,
      to,
      L,
    ),
  };
}

/**
 * A component's recovery points for a period (ms): each backup holding it that completed in [from, to), and the last
 * one before `from` (the period's first stretch runs from it). Bounded by the period, not by the history.
 */
export async function recoveryPoints(db: D1Database, component: string, from: string, to: string): Promise<number[]> {
  const points = `SELECT CAST((julianday(completed_at) - 2440587.5) * 86400000 AS INTEGER) AS t FROM backups
    WHERE status IN ('completed', 'forgetting', 'forgotten') AND completed_at IS NOT NULL
      AND EXISTS (SELECT 1 FROM json_each(components) WHERE value = ?1)`;
  const [within, before] = await db.batch<{ t: number | null }>([
    db.prepare(`${points} AND completed_at >= ?2 AND completed_at < ?3 ORDER BY completed_at`).bind(component, from, to),
    db.prepare(`SELECT max(t) AS t FROM (${points} AND completed_at < ?2)`).bind(component, from),
  ]);
  return [...before!.results, ...within!.results].flatMap((r) => (r.t === null ? [] : [r.t]));
}
