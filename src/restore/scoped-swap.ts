import type { DatabaseManifest } from "../../schemas/manifest";
import { TRIGGER_PREFIX } from "../capture/triggers";
import { ident } from "../db/sql";
import { keyColumnsForUpsert, type ScopedTable } from "./scope";
import { stageName } from "./staging";
import { VerificationError } from "./verify-against-manifest";

export interface SwapStatement {
  sql: string;
  binds?: (string | number)[];
}

export function prepareAll(db: D1Database, plan: SwapStatement[]): D1PreparedStatement[] {
  return plan.map((s) => (s.binds ? db.prepare(s.sql).bind(...s.binds) : db.prepare(s.sql)));
}

/**
 * Statements that put the scoped rows of each table back as they were in the backup, in one transaction, without
 * touching other rows: in-scope rows the backup does not have are deleted (their foreign-key actions apply, as
 * for any delete), and the backup's rows are upserted by primary key, so no row is deleted and re-inserted and
 * nothing cascades into rows outside the scope. The target's triggers on those tables are set aside for the
 * duration, so restored rows are not rewritten by them. Change capture's triggers stay: the restored rows are
 * changes to the database like any other, and point-in-time restores later must see them.
 */
export async function planScopedSwap(
  db: D1Database,
  restoreId: string,
  manifest: DatabaseManifest,
  scoped: ScopedTable[],
): Promise<SwapStatement[]> {
  const names = scoped.map((s) => s.name);
  const { results: triggers } = await db
    .prepare(
      "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN (SELECT value FROM json_each(?)) AND substr(name, 1, ?) != ?",
    )
    .bind(JSON.stringify(names), TRIGGER_PREFIX.length, TRIGGER_PREFIX)
    .all<{ name: string; sql: string }>();
  const statements: SwapStatement[] = [
    { sql: "PRAGMA defer_foreign_keys = ON" },
    ...triggers.map((t) => ({ sql: `DROP TRIGGER ${ident(t.name)}` })),
  ];
  for (const s of scoped) {
    const t = manifest.schema.tables[s.index]!;
    const stage = ident(stageName(restoreId, s.index));
    const table = ident(t.name);
    const where = s.predicate?.sql ?? "1";
    const binds = s.predicate?.binds ?? [];
    const key = keyColumnsForUpsert(t);
    const matchKey = key.map((k) => `${stage}.${ident(k)} IS ${table}.${ident(k)}`).join(" AND ");
    // Inside the subquery, unqualified columns in the predicate resolve to the staging table (the innermost FROM).
    statements.push({
      sql: `DELETE FROM ${table} WHERE (${where}) AND NOT EXISTS (SELECT 1 FROM ${stage} WHERE ${matchKey} AND (${where}))`,
      binds: [...binds, ...binds],
    });
    const cols = t.columns.map((c) => ident(c.name));
    const rest = t.columns.filter((c) => !key.includes(c.name)).map((c) => `${ident(c.name)} = excluded.${ident(c.name)}`);
    const onConflict = rest.length ? `DO UPDATE SET ${rest.join(", ")}` : "DO NOTHING";
    statements.push({
      sql: `INSERT INTO ${table} (${cols.join(", ")}) SELECT ${cols.join(", ")} FROM ${stage} WHERE (${where}) ORDER BY "_vl_seq" ON CONFLICT (${key.map(ident).join(", ")}) ${onConflict}`,
      binds,
    });
  }
  statements.push(...triggers.map((t) => ({ sql: t.sql })));
  return statements;
}

/** After a scoped swap: the scoped rows of each table equal the staged backup rows exactly (values and storage classes). */
export async function verifyScoped(db: D1Database, restoreId: string, manifest: DatabaseManifest, scoped: ScopedTable[]): Promise<number> {
  let rows = 0;
  for (const s of scoped) {
    const t = manifest.schema.tables[s.index]!;
    const cols = t.columns.map((c) => `quote(${ident(c.name)})`).join(", ");
    const where = s.predicate?.sql ?? "1";
    const binds = s.predicate?.binds ?? [];
    const live = `SELECT ${cols} FROM ${ident(t.name)} WHERE ${where}`;
    const staged = `SELECT ${cols} FROM ${ident(stageName(restoreId, s.index))} WHERE ${where}`;
    const r = await db
      .prepare(
        `SELECT (SELECT count(*) FROM (${live})) AS live, (SELECT count(*) FROM (${staged})) AS staged, (SELECT count(*) FROM (${live} EXCEPT ${staged})) AS extra, (SELECT count(*) FROM (${staged} EXCEPT ${live})) AS missing`,
      )
      .bind(...binds, ...binds, ...binds, ...binds, ...binds, ...binds)
      .first<{ live: number; staged: number; extra: number; missing: number }>();
    if (!r || r.live !== r.staged || r.extra || r.missing) {
      throw new VerificationError(
        `table ${t.name}: after the restore ${r?.live} rows in scope, the backup has ${r?.staged} (${r?.extra} differ)`,
      );
    }
    rows += r.live;
  }
  return rows;
}
