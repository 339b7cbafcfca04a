import type { TableInfo } from "../../schemas/manifest";
import { ident } from "../db/sql";
import { CHANGE_LOG, NOW_MS_SQL } from "./log";

export type CaptureOp = "i" | "u" | "d";
export const TRIGGER_PREFIX = "_vaultline_cap_";

export function triggerName(table: string, op: CaptureOp): string {
  return `${TRIGGER_PREFIX}${op}_${table}`;
}

export interface TriggerDef {
  name: string;
  table: string;
  sql: string;
}

const text = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** The row's key as quote() literals, read through `alias` (NEW, OLD or the table itself). */
function keyExpr(t: TableInfo, alias: string): string {
  return t.keyColumns.map((k) => `quote(${alias}.${k === "rowid" ? "rowid" : ident(k)})`).join(" || ',' || ");
}

/** The whole row exactly as a backup chunk renders it (src/db/scan.ts tableScanSpec), read from the table. */
function rowExpr(t: TableInfo, alias: string): string {
  const parts = t.columns.map((c) => `quote(${alias}.${ident(c.name)})`);
  if (t.rowidColumn) parts.unshift(`quote(${alias}.rowid)`);
  return parts.join(" || ',' || ");
}

function keyMatch(t: TableInfo, alias: string, other: string): string {
  return t.keyColumns
    .map((k) => (k === "rowid" ? `${alias}.rowid = ${other}.rowid` : `${alias}.${ident(k)} IS ${other}.${ident(k)}`))
    .join(" AND ");
}

/**
 * The three triggers that log every change to a table. An insert or update logs the row as it is in the table
 * when the trigger runs, not NEW: when another trigger on the table rewrites the same row (say, a touch trigger
 * that bumps updated_at), whichever capture entry comes last in the log carries the final row, whatever order
 * SQLite fires the triggers in. An update that changes the key logs the old key's deletion first.
 */
export function captureTriggers(t: TableInfo): TriggerDef[] {
  const table = ident(t.name);
  const log = `INSERT INTO ${ident(CHANGE_LOG)} (at, tbl, op, key, row)`;
  const upsert = (op: "I" | "U") =>
    `${log} SELECT ${NOW_MS_SQL}, ${text(t.name)}, '${op}', ${keyExpr(t, "NEW")}, ${rowExpr(t, "cur")} FROM ${table} AS cur WHERE ${keyMatch(t, "cur", "NEW")};`;
  return [
    {
      name: triggerName(t.name, "i"),
      table: t.name,
      sql: `CREATE TRIGGER ${ident(triggerName(t.name, "i"))} AFTER INSERT ON ${table} BEGIN ${upsert("I")} END`,
    },
    {
      name: triggerName(t.name, "u"),
      table: t.name,
      sql:
        `CREATE TRIGGER ${ident(triggerName(t.name, "u"))} AFTER UPDATE ON ${table} BEGIN ` +
        `${log} SELECT ${NOW_MS_SQL}, ${text(t.name)}, 'D', ${keyExpr(t, "OLD")}, NULL WHERE (${keyExpr(t, "OLD")}) IS NOT (${keyExpr(t, "NEW")}); ` +
        `${upsert("U")} END`,
    },
    {
      name: triggerName(t.name, "d"),
      table: t.name,
      sql: `CREATE TRIGGER ${ident(triggerName(t.name, "d"))} AFTER DELETE ON ${table} BEGIN ${log} VALUES (${NOW_MS_SQL}, ${text(t.name)}, 'D', ${keyExpr(t, "OLD")}, NULL); END`,
    },
  ];
}
