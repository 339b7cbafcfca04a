import type { LegalHold } from "../../schemas/retention";

/**
 * Legal holds (`legal_holds`, docs/RETENTION.md): placed, released, listed. Never deleted. Inserting a hold the
 * catalog already has (a rebuild putting back a sealed record) leaves it as it is: false then.
 */
export async function insertHold(db: D1Database, hold: Omit<LegalHold, "released_at">): Promise<boolean> {
  const r = await db
    .prepare(
      `INSERT INTO legal_holds (id, backup_id, component, from_at, to_at, reason, placed_by, placed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO NOTHING`,
    )
    .bind(hold.id, hold.backup_id, hold.component, hold.from_at, hold.to_at, hold.reason, hold.placed_by, hold.placed_at)
    .run();
  return r.meta.changes > 0;
}

/** Releases a hold still active: "released", or why not ("missing", "already released"). */
export async function releaseHoldRow(
  db: D1Database,
  id: string,
  by: string,
  reason: string,
  at = new Date().toISOString(),
): Promise<"released" | "missing" | "already released"> {
  const r = await db
    .prepare(`UPDATE legal_holds SET released_at = ?, released_by = ?, release_reason = ? WHERE id = ? AND released_at IS NULL`)
    .bind(at, by, reason, id)
    .run();
  if (r.meta.changes > 0) return "released";
  return (await db.prepare(`SELECT 1 AS x FROM legal_holds WHERE id = ?`).bind(id).first("x")) ? "already released" : "missing";
}

export async function getHold(db: D1Database, id: string): Promise<LegalHold | null> {
  return db.prepare(`SELECT * FROM legal_holds WHERE id = ?`).bind(id).first<LegalHold>();
}

export async function listHolds(db: D1Database, opts: { active?: boolean; backup_id?: string } = {}): Promise<LegalHold[]> {
  const where = [opts.active ? "released_at IS NULL" : "1"];
  const args: unknown[] = [];
  if (opts.backup_id) {
    where.push("backup_id = ?");
    args.push(opts.backup_id);
  }
  const { results } = await db
    .prepare(`SELECT * FROM legal_holds WHERE ${where.join(" AND ")} ORDER BY placed_at DESC LIMIT 1000`)
    .bind(...args)
    .all<LegalHold>();
  return results;
}
