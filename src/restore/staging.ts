import type { TableInfo } from "../../schemas/manifest";
import { ident } from "../db/sql";
import { STAGE_ROWID, STAGE_SEQ } from "../db/scan";

/** Staging tables live in the target under the internal prefix, so no backup ever picks them up. */
export function stageName(restoreId: string, tableIndex: number): string {
  return `_vaultline_stage_${restoreId}_${tableIndex}`;
}
const stagePrefix = (restoreId: string) => `_vaultline_stage_${restoreId}_`;

/**
 * A staging table has no types and no constraints (values keep exactly the storage class they had) and is
 * keyed by the row's position in the backup, so loading a chunk twice replaces rather than duplicates.
 */
export function createStageSql(t: TableInfo, name: string): string {
  const cols = [`${ident(STAGE_SEQ)} INTEGER PRIMARY KEY`];
  if (t.rowidColumn) cols.push(ident(STAGE_ROWID));
  for (const c of t.columns) cols.push(ident(c.name));
  return `CREATE TABLE ${ident(name)} (${cols.join(", ")})`;
}

export async function dropStaging(db: D1Database, restoreId: string): Promise<number> {
  const { results } = await db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, ?) = ?")
    .bind(stagePrefix(restoreId).length, stagePrefix(restoreId))
    .all<{ name: string }>();
  if (results.length) await db.batch(results.map((r) => db.prepare(`DROP TABLE IF EXISTS ${ident(r.name)}`)));
  return results.length;
}

/** Creates staging for the tables at `indexes` (every table when absent), named by their index in the backup. */
export async function createStaging(db: D1Database, restoreId: string, tables: TableInfo[], indexes?: number[]): Promise<void> {
  await dropStaging(db, restoreId);
  const wanted = indexes ?? tables.map((_, i) => i);
  if (wanted.length) await db.batch(wanted.map((i) => db.prepare(createStageSql(tables[i]!, stageName(restoreId, i)))));
}
