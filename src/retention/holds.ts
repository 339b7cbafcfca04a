import type { LegalHold } from "../../schemas/retention";
import { audit } from "../catalog/audit-log";
import { ConflictError, NotFoundError } from "../errors";

function holdId(): string {
  return `lh_${Date.now().toString(36)}_${Array.from(crypto.getRandomValues(new Uint8Array(4)), (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export async function placeHold(
  db: D1Database,
  h: { backup_id?: string; component?: string; from?: string; to?: string; reason: string; by: string },
): Promise<LegalHold> {
  const hold: LegalHold = {
    id: holdId(),
    backup_id: h.backup_id ?? null,
    component: h.component ?? null,
    from_at: h.from ? new Date(h.from).toISOString() : null,
    to_at: h.to ? new Date(h.to).toISOString() : null,
    reason: h.reason,
    placed_by: h.by,
    placed_at: new Date().toISOString(),
    released_at: null,
  };
  await db
    .prepare(`INSERT INTO legal_holds (id, backup_id, component, from_at, to_at, reason, placed_by, placed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
    .bind(hold.id, hold.backup_id, hold.component, hold.from_at, hold.to_at, hold.reason, hold.placed_by, hold.placed_at)
    .run();
  const scope = hold.backup_id ?? `${hold.component ?? "all components"} ${hold.from_at}..${hold.to_at}`;
  await audit(db, { actor: h.by, action: "legal_hold.placed", target: hold.id, outcome: 1, detail: { scope, reason: h.reason } });
  return hold;
}

export async function releaseHold(db: D1Database, id: string, by: string, reason: string): Promise<LegalHold> {
  const r = await db.prepare(`UPDATE legal_holds SET released_at = ?, released_by = ?, release_reason = ? WHERE id = ? AND released_at IS NULL`).bind(new Date().toISOString(), by, reason, id).run();
  if (r.meta.changes === 0) {
    const exists = await db.prepare(`SELECT released_at FROM legal_holds WHERE id = ?`).bind(id).first<string | null>("released_at");
    if (exists === null && !(await db.prepare(`SELECT 1 AS x FROM legal_holds WHERE id = ?`).bind(id).first("x"))) throw new NotFoundError(`legal hold ${id} not found`);
    throw new ConflictError(`legal hold ${id} was already released`);
  }
  await audit(db, { actor: by, action: "legal_hold.released", target: id, outcome: 1, detail: { reason } });
  return (await db.prepare(`SELECT * FROM legal_holds WHERE id = ?`).bind(id).first<LegalHold>())!;
}

export async function listHolds(db: D1Database, opts: { active?: boolean; backup_id?: string } = {}): Promise<LegalHold[]> {
  const where = [opts.active ? "released_at IS NULL" : "1"];
  const args: unknown[] = [];
  if (opts.backup_id) (where.push("backup_id = ?"), args.push(opts.backup_id));
  const { results } = await db.prepare(`SELECT * FROM legal_holds WHERE ${where.join(" AND ")} ORDER BY placed_at DESC LIMIT 1000`).bind(...args).all<LegalHold>();
  return results;
}
