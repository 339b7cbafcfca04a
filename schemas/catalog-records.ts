import { z } from "zod";

/**
 * What the catalog knows that no manifest says, sealed into the repository as it happens (docs/FORMAT.md, "Catalog
 * records"): `catalog/<kind>/<id>`, write-once, one discriminated union. `POST /admin/catalog/rebuild` puts them back.
 */
/** A value of a history row: what D1 stores in those columns. */
const Cell = z.union([z.string(), z.number(), z.null()]);

export const CatalogRecord = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("legal_hold"),
    id: z.string(),
    backup_id: z.string().nullable(),
    component: z.string().nullable(),
    from_at: z.string().nullable(),
    to_at: z.string().nullable(),
    reason: z.string(),
    placed_by: z.string(),
    placed_at: z.string(),
  }),
  z.strictObject({
    kind: z.literal("legal_hold_release"),
    id: z.string(),
    released_at: z.string(),
    released_by: z.string(),
    release_reason: z.string(),
  }),
  z.strictObject({
    kind: z.literal("policy"),
    version: z.number().int().positive(),
    policy: z.string(),
    set_by: z.string(),
    set_at: z.string(),
  }),
  z.strictObject({
    kind: z.literal("approval"),
    restore_id: z.string(),
    decision: z.enum(["approve", "reject"]),
    decided_by: z.string(),
    comment: z.string(),
    decided_at: z.string(),
  }),
  /** A restore that ended: its catalog row (src/catalog/history.ts names the columns). */
  z.strictObject({ kind: z.literal("restore"), id: z.string(), row: z.record(z.string(), Cell) }),
  /** A drill that ended: its report row. */
  z.strictObject({ kind: z.literal("test_restore"), id: z.string(), row: z.record(z.string(), Cell) }),
]);
export type CatalogRecord = z.infer<typeof CatalogRecord>;

/** The object name of a record: its kind and its own id (a policy's version, zero-padded so names sort by it). */
export function catalogRecordName(r: CatalogRecord): string {
  if (r.kind === "policy") return `catalog/policy/${String(r.version).padStart(8, "0")}`;
  if (r.kind === "approval") return `catalog/approval/${r.restore_id}`;
  return `catalog/${r.kind}/${r.id}`;
}
