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
export async function planSwap(db: D1Database, restoreId: string, schema: DatabaseSchema): Promise<SwapStatement[]> {
  const { results: current } = await db
    .prepare("SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view', 'trigger') AND sql IS NOT NULL")
    .all<{ type: string; name: string }>();
  const existing = current.filter((o) => !isInternalName(o.name));
  const drops = await planDrops(db, existing.filter((x) => x.type === "table").map((x) => x.name));
  const sql: string[] = ["PRAGMA defer_foreign_keys = ON"];
  for (const type of ["trigger", "view"]) {
    for (const o of existing.filter((x) => x.type === type)) sql.push(`DROP ${type.toUpperCase()} IF EXISTS ${ident(o.name)}`);
  }
  sql.push(...drops.lookupIndexes);
  for (const name of drops.order) sql.push(`DROP TABLE IF EXISTS ${ident(name)}`);
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
    plan.push({ sql: "DELETE FROM sqlite_sequence WHERE name IN (SELECT value FROM json_each(?))", binds: [JSON.stringify(schema.tables.map((t) => t.name))] });
    for (const s of schema.sequences) plan.push({ sql: "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", binds: [s.name, s.seq] });
  }
  return plan;
}

export function prepareAll(db: D1Database, plan: SwapStatement[]): D1PreparedStatement[] {
  return plan.map((s) => (s.binds ? db.prepare(s.sql).bind(...s.binds) : db.prepare(s.sql)));
}
