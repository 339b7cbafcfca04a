import type { DatabaseSchema } from "../../schemas/manifest";
import { STAGE_ROWID, STAGE_SEQ } from "../db/scan";
import { ident, isInternalName } from "../db/sql";
import { stageName } from "./staging";

/**
 * The statements that replace the target's user schema and data with the staged backup. They run as one
 * D1 batch, which is one transaction: either the target becomes exactly the backup, or it stays as it was.
 * Foreign keys are checked at commit (defer_foreign_keys), when parents and children are all in place.
 */
export async function buildSwap(db: D1Database, restoreId: string, schema: DatabaseSchema): Promise<D1PreparedStatement[]> {
  const { results: current } = await db
    .prepare("SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view', 'trigger') AND sql IS NOT NULL")
    .all<{ type: string; name: string }>();
  const sql: string[] = ["PRAGMA defer_foreign_keys = ON"];
  const existing = current.filter((o) => !isInternalName(o.name));
  for (const type of ["trigger", "view", "table"]) {
    for (const o of existing.filter((x) => x.type === type)) sql.push(`DROP ${type.toUpperCase()} IF EXISTS ${ident(o.name)}`);
  }
  schema.tables.forEach((t, i) => {
    const create = schema.objects.find((o) => o.type === "table" && o.name === t.name)!;
    sql.push(create.sql);
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
  const statements = sql.map((s) => db.prepare(s));
  if (schema.sequences.length) {
    for (const s of schema.sequences) {
      statements.push(db.prepare("DELETE FROM sqlite_sequence WHERE name = ?").bind(s.name));
      statements.push(db.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)").bind(s.name, s.seq));
    }
  }
  return statements;
}
