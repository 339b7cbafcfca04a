import type { DatabaseSchema, SchemaObject, TableInfo } from "../../schemas/manifest";
import { VaultlineError } from "../errors";
import { ident, isInternalName } from "./sql";

interface MasterRow {
  type: string;
  name: string;
  tbl_name: string;
  sql: string | null;
}
interface ColumnRow {
  name: string;
  type: string;
  pk: number;
}

/**
 * The user schema of a D1 database: objects from sqlite_master plus what paging and restoring each table needs.
 * Tables in `exclude` (the provider profile's database.exclude_tables) are left out, with their indexes and triggers.
 */
export async function readSchema(db: D1Database, exclude: string[] = []): Promise<DatabaseSchema> {
  const { results } = await db
    .prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid")
    .all<MasterRow>();
  const objects: SchemaObject[] = results
    .filter((r) => !isInternalName(r.name) && !isInternalName(r.tbl_name) && !exclude.includes(r.tbl_name))
    .filter((r): r is MasterRow & { sql: string; type: SchemaObject["type"] } => ["table", "index", "trigger", "view"].includes(r.type))
    .map(({ type, name, tbl_name, sql }) => ({ type, name, tbl_name, sql }));
  const tables: TableInfo[] = [];
  for (const o of objects) {
    if (o.type !== "table") continue;
    if (/^\s*CREATE\s+VIRTUAL\s+TABLE/i.test(o.sql)) {
      throw new UnsupportedSchemaError(o.name);
    }
    tables.push(await describeTable(db, o.name, o.sql));
  }
  const sequences = (await readSequences(db)).filter((s) => !exclude.includes(s.name));
  return { objects, tables, sequences, excluded: results.filter((r) => r.type === "table" && exclude.includes(r.name)).map((r) => r.name) };
}

export class UnsupportedSchemaError extends VaultlineError {
  constructor(table: string) {
    super(
      "unsupported_schema",
      `virtual table ${table} cannot be backed up yet (FTS and other virtual tables are rebuilt from their source)`,
      422,
    );
  }
}

/** Whether a table's CREATE statement makes it WITHOUT ROWID (table options follow the column list's closing parenthesis). */
export function isWithoutRowid(createSql: string): boolean {
  return /\bWITHOUT\s+ROWID\b/i.test(createSql.slice(createSql.lastIndexOf(")") + 1));
}

async function describeTable(db: D1Database, name: string, sql: string): Promise<TableInfo> {
  const { results } = await db.prepare(`SELECT name, type, pk FROM pragma_table_info(?) ORDER BY cid`).bind(name).all<ColumnRow>();
  const columns = results.map((c) => ({ name: c.name, type: c.type ?? "", pk: c.pk }));
  const pkCols = columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
  if (isWithoutRowid(sql)) {
    return { name, mode: "pk", rowidColumn: false, columns, keyColumns: pkCols.map((c) => c.name) };
  }
  // An INTEGER PRIMARY KEY column is the rowid itself; any other ordinary table keeps its rowid as an extra value.
  const alias = pkCols.length === 1 && pkCols[0]!.type.toUpperCase() === "INTEGER" ? pkCols[0]! : undefined;
  return alias
    ? { name, mode: "rowid", rowidColumn: false, columns, keyColumns: [alias.name] }
    : { name, mode: "rowid", rowidColumn: true, columns, keyColumns: ["rowid"] };
}

async function readSequences(db: D1Database): Promise<DatabaseSchema["sequences"]> {
  const has = await db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").first();
  if (!has) return [];
  const { results } = await db.prepare("SELECT name, seq FROM sqlite_sequence ORDER BY name").all<{ name: string; seq: number }>();
  return results.filter((r) => !isInternalName(r.name));
}

/** `SELECT` list that renders one row as the text of an SQL values tuple, exact for every storage class. */
export function tupleExpression(t: TableInfo): string {
  const parts = t.columns.map((c) => `quote(${ident(c.name)})`);
  if (t.rowidColumn) parts.unshift("quote(rowid)");
  return parts.join(" || ',' || ");
}

/** `SELECT` list for the keyset cursor, as SQL literals so the next page can inline them safely. */
export function keyExpressions(t: TableInfo): string[] {
  return t.keyColumns.map((k) => (k === "rowid" ? "quote(rowid)" : `quote(${ident(k)})`));
}

export function keyOrder(t: TableInfo): string {
  return t.keyColumns.map((k) => (k === "rowid" ? "rowid" : ident(k))).join(", ");
}
