import type { LegalHold } from "../../schemas/retention";
import { audit } from "../catalog/audit-log";
import { ConflictError, NotFoundError } from "../errors";
import { getHold, insertHold, releaseHoldRow } from "../catalog/legal-holds";
import type { Env } from "../env";
import { sealCatalogRecord } from "../repo/catalog-records";

function holdId(): string {
  return `lh_${Date.now().toString(36)}_${Array.from(crypto.getRandomValues(new Uint8Array(4)), (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/**
 * Places a hold: sealed into the repository first (a hold the catalog lost still holds after a rebuild), then
 * recorded in the catalog and audited.
 */
export async function placeHold(
  env: Env,
  h: { backup_id?: string; component?: string; from?: string; to?: string; reason: string; by: string },
): Promise<LegalHold> {
  const db = env.CATALOG_DB;
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
  const { released_at: _open, ...placed } = hold;
  await sealCatalogRecord(env, { kind: "legal_hold", ...placed });
  await insertHold(db, hold);
  const scope = hold.backup_id ?? `${hold.component ?? "all components"} ${hold.from_at}..${hold.to_at}`;
  await audit(db, { actor: h.by, action: "legal_hold.placed", target: hold.id, outcome: 1, detail: { scope, reason: h.reason } });
  return hold;
}

/** Releases a hold in the catalog, audits it, and seals the release (after: a release lost in between keeps holding). */
export async function releaseHold(env: Env, id: string, by: string, reason: string): Promise<LegalHold> {
  const db = env.CATALOG_DB;
  const r = await releaseHoldRow(db, id, by, reason);
  if (r === "missing") throw new NotFoundError(`legal hold ${id} not found`);
  if (r === "already released") throw new ConflictError(`legal hold ${id} was already released`);
  await audit(db, { actor: by, action: "legal_hold.released", target: id, outcome: 1, detail: { reason } });
  const hold = (await getHold(db, id))!;
  await sealCatalogRecord(env, { kind: "legal_hold_release", id, released_at: hold.released_at!, released_by: by, release_reason: reason });
  return hold;
}
