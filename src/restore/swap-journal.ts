import { z } from "zod";
import { DatabaseSchema, SchemaObject } from "../../schemas/manifest";
import { ident } from "../db/sql";

/**
 * The journal of a swap, kept in the target itself (`_vaultline_swap_<restore id>`), so every call that changes the
 * target records where the swap stands in the same transaction: a retried step, a restarted workflow or a rollback
 * reads it and carries on from exactly there.
 */
export const SwapState = z.object({
  /** "in": the backup is being built in place of the target's tables; "back": the target's own tables are rebuilt. */
  direction: z.enum(["in", "back"]),
  /** "fill": rows are being copied; "done": triggers, views and counters are in place (the direction is finished). */
  phase: z.enum(["fill", "done"]),
  /** Groups of table indexes (into the schema being built), parents before children; empty until the first fill call. */
  order: z.array(z.object({ tables: z.array(z.number().int()), cyclic: z.boolean() })),
  /** The group being filled, the table within it, and the last source key copied (text: rowids exceed 2^53). */
  group: z.number().int(),
  table: z.number().int(),
  cursor: z.string().nullable(),
  /** Rows one fill call copies, per table of the schema being built (from a sample of row sizes). */
  rows_per_call: z.array(z.number().int().positive()),
  /** Indexes created (one call each, after the rows: a sorted build is several times faster than upkeep per row). */
  indexes: z.number().int().default(0),
  /** Tables copied in one call because their rows refer to rows copied after them (a cycle of foreign keys). */
  whole: z.array(z.string()),
});
export type SwapState = z.infer<typeof SwapState>;

/** What the target had before the swap: the schema a rollback rebuilds, and the capture triggers it puts back. */
export const SwapOrigin = z.object({
  live: DatabaseSchema,
  internal_triggers: z.array(SchemaObject),
});
export type SwapOrigin = z.infer<typeof SwapOrigin>;

export function journalName(restoreId: string): string {
  return `_vaultline_swap_${restoreId}`;
}

export function createJournalSql(restoreId: string): string {
  return `CREATE TABLE ${ident(journalName(restoreId))} (k TEXT PRIMARY KEY, v TEXT NOT NULL)`;
}

/** Writes one journal entry; part of the batch whose change it records. */
export function putJournal(db: D1Database, restoreId: string, key: "state" | "origin" | "build", value: unknown): D1PreparedStatement {
  return db.prepare(`INSERT OR REPLACE INTO ${ident(journalName(restoreId))} (k, v) VALUES (?, ?)`).bind(key, JSON.stringify(value));
}

export interface Journal {
  state: SwapState;
  origin: SwapOrigin;
  /** The schema being built: the backup's (direction "in") or the target's own (direction "back"). */
  build: DatabaseSchema;
}

/** The journal of a restore's swap, or null when none was begun (or it was cleaned up). */
export async function readJournal(db: D1Database, restoreId: string): Promise<Journal | null> {
  const exists = await db
    .prepare("SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = ?")
    .bind(journalName(restoreId))
    .first<number>("x");
  if (!exists) return null;
  const { results } = await db.prepare(`SELECT k, v FROM ${ident(journalName(restoreId))}`).all<{ k: string; v: string }>();
  const get = (k: string) => {
    const row = results.find((r) => r.k === k);
    if (!row) throw new Error(`swap journal ${journalName(restoreId)} has no ${k} entry`);
    return JSON.parse(row.v) as unknown;
  };
  return { state: SwapState.parse(get("state")), origin: SwapOrigin.parse(get("origin")), build: DatabaseSchema.parse(get("build")) };
}
