import type { DatabaseSchema } from "../../schemas/manifest";
import { STAGE_ROWID, STAGE_SEQ } from "../db/scan";
import { ident, isInternalName } from "../db/sql";
import { planDrops } from "./drop-plan";
import { stageName } from "./staging";

export interface SwapStatement {
  sql: string;
  binds?: (string | number)[];
}

/**
 * The statements that replace the target's user schema and data with the staged backup. They run as one
 * D1 batch, which is one transaction: either the target becomes exactly the backup, or it stays as it was.
 * Foreign keys are checked at commit (defer_foreign_keys), when parents and children are all in place.
 */
/** Where a replaced table waits, renamed, until the restore is done and it can be dropped outside the swap. */
export function replacedName(restoreId: string, n: number): string {
  return `_vaultline_old_${restoreId}_${n}`;
}

export async function planSwap(db: D1Database, restoreId: string, schema: DatabaseSchema): Promise<SwapStatement[]> {
  const { results: current } = await db
    .prepare("SELECT type, name, tbl_name FROM sqlite_master WHERE type IN ('table', 'view', 'trigger', 'index') AND sql IS NOT NULL")
    .all<{ type: string; name: string; tbl_name: string }>();
  // Tables the profile leaves out of backups stay as they are, with their indexes and triggers.
  const existing = current.filter((o) => !isInternalName(o.name) && !schema.excluded.includes(o.tbl_name));
  const sql: string[] = ["PRAGMA defer_foreign_keys = ON"];
  // Triggers, views and indexes go (an index keeps its name through a rename and would collide with the
  // restored one). Tables are renamed out of the way, not dropped: DROP TABLE runs an implicit DELETE, which on
  // a large populated database is the slowest part of a swap. They are dropped after the restore is verified.
  for (const type of ["trigger", "view", "index"]) {
    for (const o of existing.filter((x) => x.type === type)) sql.push(`DROP ${type.toUpperCase()} IF EXISTS ${ident(o.name)}`);
  }
  existing
    .filter((x) => x.type === "table")
    .forEach((t, n) => {
      sql.push(`ALTER TABLE ${ident(t.name)} RENAME TO ${ident(replacedName(restoreId, n))}`);
    });
  // Every table exists before any is filled: with foreign keys on, inserting into a table whose parent table
  // does not exist yet is an error even when the checks are deferred (tables that reference each other).
  for (const t of schema.tables) sql.push(schema.objects.find((o) => o.type === "table" && o.name === t.name)!.sql);
  schema.tables.forEach((t, i) => {
    const cols = t.columns.map((c) => ident(c.name));
    const into = t.rowidColumn ? ["rowid", ...cols] : cols;
    const from = t.rowidColumn ? [ident(STAGE_ROWID), ...cols] : cols;
    const stage = ident(stageName(restoreId, i));
    sql.push(`INSERT INTO ${ident(t.name)} (${into.join(", ")}) SELECT ${from.join(", ")} FROM ${stage} ORDER BY ${ident(STAGE_SEQ)}`);
    sql.push(`DROP TABLE ${stage}`);
  });
  // Indexes after the data (one build each, not one update per row); triggers and views last, so no trigger fires on restored rows.
  for (const type of ["index", "trigger", "view"]) {
    for (const o of schema.objects.filter((x) => x.type === type)) sql.push(o.sql);
  }
  const plan: SwapStatement[] = sql.map((s) => ({ sql: s }));
  // AUTOINCREMENT counters exactly as backed up: inserting (even no rows) creates counters the source may not have had.
  const autoincrement = schema.objects.some((o) => o.type === "table" && /\bAUTOINCREMENT\b/i.test(o.sql));
  if (autoincrement) {
    plan.push({
      sql: "DELETE FROM sqlite_sequence WHERE name IN (SELECT value FROM json_each(?))",
      binds: [JSON.stringify(schema.tables.map((t) => t.name))],
    });
    for (const s of schema.sequences) plan.push({ sql: "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", binds: [s.name, s.seq] });
  }
  return plan;
}

export function prepareAll(db: D1Database, plan: SwapStatement[]): D1PreparedStatement[] {
  return plan.map((s) => (s.binds ? db.prepare(s.sql).bind(...s.binds) : db.prepare(s.sql)));
}

/**
 * After a full restore: drops the tables the swap renamed out of the way, in one transaction, children before
 * parents and with lookup indexes where a table references itself (src/restore/drop-plan.ts). Returns how many.
 */
export async function dropReplaced(db: D1Database, restoreId: string): Promise<number> {
  const prefix = `_vaultline_old_${restoreId}_`;
  const { results } = await db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, ?) = ?")
    .bind(prefix.length, prefix)
    .all<{ name: string }>();
  if (!results.length) return 0;
  const plan = await planDrops(
    db,
    results.map((r) => r.name),
  );
  await db.batch(
    ["PRAGMA defer_foreign_keys = ON", ...plan.lookupIndexes, ...plan.order.map((t) => `DROP TABLE IF EXISTS ${ident(t)}`)].map((q) =>
      db.prepare(q),
    ),
  );
  return results.length;
}
