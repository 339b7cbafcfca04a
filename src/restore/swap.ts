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
  for (const type of ["trigger", "view"]) {
    for (const o of existing.filter((x) => x.type === type)) sql.push(`DROP ${type.toUpperCase()} IF EXISTS ${ident(o.name)}`);
  }
  const tables = existing.filter((x) => x.type === "table").map((x) => x.name);
  for (const name of await childrenFirst(db, tables)) sql.push(`DROP TABLE IF EXISTS ${ident(name)}`);
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

/**
 * Orders tables so each is dropped before the tables it references. With foreign keys on, DROP TABLE runs an
 * implicit DELETE: dropping a parent first would cascade into its children, and a child dropped after its
 * parent fails to find it. Cycles (rare) keep their original order.
 */
async function childrenFirst(db: D1Database, tables: string[]): Promise<string[]> {
  if (!tables.length) return [];
  const { results } = await db
    .prepare(
      `SELECT m.name AS child, f."table" AS parent FROM sqlite_master m, pragma_foreign_key_list(m.name) f
       WHERE m.type = 'table' AND m.name IN (SELECT value FROM json_each(?))`,
    )
    .bind(JSON.stringify(tables))
    .all<{ child: string; parent: string }>();
  const childrenOf = new Map<string, Set<string>>();
  for (const r of results) {
    if (r.child === r.parent) continue;
    const parent = tables.find((t) => t.toLowerCase() === r.parent.toLowerCase());
    if (!parent) continue;
    if (!childrenOf.has(parent)) childrenOf.set(parent, new Set());
    childrenOf.get(parent)!.add(r.child);
  }
  const order: string[] = [];
  const left = new Set(tables);
  while (left.size) {
    const ready = [...left].filter((t) => ![...(childrenOf.get(t) ?? [])].some((c) => left.has(c)));
    const take = ready.length ? ready : [...left]; // a cycle: drop the rest as they are
    for (const t of take) {
      order.push(t);
      left.delete(t);
    }
  }
  return order;
}
