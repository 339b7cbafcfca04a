import { isWithoutRowid } from "../db/schema";
import { ident } from "../db/sql";
import { foreignKeys, parentsFirst } from "./table-order";

export interface DropPlan {
  /** Tables in the order to drop them: each before the tables it references. */
  order: string[];
  /** CREATE INDEX statements to run before the drops (see planDrops). */
  lookupIndexes: string[];
}

/**
 * How to drop a set of tables inside one transaction with foreign keys on, where DROP TABLE runs an implicit
 * DELETE: dropping a parent first would cascade into its children, so children go first. Whatever still
 * references a table when it is dropped (itself, as a token table's parent column may, or a cycle) is looked up
 * for every deleted row; without an index on the referencing columns that is a full scan per row, quadratic
 * in the table's size. So those columns get a temporary index, which goes away with its table.
 */
export async function planDrops(db: D1Database, tables: string[]): Promise<DropPlan> {
  if (!tables.length) return { order: [], lookupIndexes: [] };
  const fks = await foreignKeys(db, tables);
  // Each table before the tables it references; the tables of a cycle together.
  const order = parentsFirst(tables, fks)
    .reverse()
    .flatMap((g) => g.tables.map((i) => tables[i]!));
  const position = new Map(order.map((t, i) => [t.toLowerCase(), i]));
  const lookupIndexes: string[] = [];
  for (const fk of fks) {
    const parentAt = position.get(fk.parent.toLowerCase());
    const childAt = position.get(fk.child.toLowerCase())!;
    if (parentAt === undefined || childAt < parentAt) continue; // the child is gone before its parent's rows are deleted
    if (await isIndexed(db, fk.child, fk.columns)) continue;
    lookupIndexes.push(
      `CREATE INDEX IF NOT EXISTS ${ident(`_vaultline_fk_${fk.child}_${lookupIndexes.length}`)} ON ${ident(fk.child)} (${fk.columns.map(ident).join(", ")})`,
    );
  }
  return { order, lookupIndexes };
}

/** Rows one call deletes from a table that references itself, before it is dropped. */
const DELETE_SLICE_ROWS = 50_000;

/**
 * Drops tables one D1 call at a time, children before parents, so no call grows with the number of tables and a
 * table nothing references any more is dropped without SQLite's implicit per-row DELETE (it only frees pages). A
 * table that references itself is emptied first in slices from its newest rows (children usually come after their
 * parents), with planDrops' lookup index so each deleted row's check is a lookup; if a slice would leave a row
 * whose parent it deleted, the rest goes in one call. A cycle of several tables goes in one call. Stops after
 * `maxCalls` calls; returns what it dropped and whether tables are left.
 */
export async function dropTablesBounded(
  db: D1Database,
  tables: string[],
  maxCalls = Number.POSITIVE_INFINITY,
): Promise<{ dropped: number; more: boolean; calls: number; longest_ms: number }> {
  const groups = parentsFirst(tables, await foreignKeys(db, tables)).reverse();
  let calls = 0;
  let dropped = 0;
  let longest = 0;
  const call = async (work: () => Promise<unknown>) => {
    const began = Date.now();
    await work();
    longest = Math.max(longest, Date.now() - began);
    calls++;
  };
  for (const g of groups) {
    const names = g.tables.map((i) => tables[i]!);
    if (!g.cyclic) {
      if (calls >= maxCalls) return { dropped, more: true, calls, longest_ms: longest };
      await call(() => db.prepare(`DROP TABLE IF EXISTS ${ident(names[0]!)}`).run());
      dropped++;
      continue;
    }
    const plan = await planDrops(db, names);
    if (names.length === 1 && (await hasRowid(db, names[0]!))) {
      const t = ident(names[0]!);
      if (plan.lookupIndexes.length) {
        if (calls >= maxCalls) return { dropped, more: true, calls, longest_ms: longest };
        await call(() => db.batch(plan.lookupIndexes.map((q) => db.prepare(q))));
      }
      for (;;) {
        if (calls >= maxCalls) return { dropped, more: true, calls, longest_ms: longest };
        const left = await db.prepare(`SELECT EXISTS (SELECT 1 FROM ${t}) AS n`).first<number>("n");
        if (!left) break;
        try {
          await call(() =>
            db.batch([
              db.prepare("PRAGMA defer_foreign_keys = ON"),
              db.prepare(`DELETE FROM ${t} WHERE rowid IN (SELECT rowid FROM ${t} ORDER BY rowid DESC LIMIT ?)`).bind(DELETE_SLICE_ROWS),
            ]),
          );
        } catch {
          break; // a row referring forward: the drop below takes the rest in one call
        }
      }
    }
    if (calls >= maxCalls) return { dropped, more: true, calls, longest_ms: longest };
    await call(() =>
      db.batch(
        ["PRAGMA defer_foreign_keys = ON", ...plan.lookupIndexes, ...plan.order.map((t) => `DROP TABLE IF EXISTS ${ident(t)}`)].map((q) =>
          db.prepare(q),
        ),
      ),
    );
    dropped += names.length;
  }
  return { dropped, more: false, calls, longest_ms: longest };
}

async function hasRowid(db: D1Database, table: string): Promise<boolean> {
  const sql = await db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?").bind(table).first<string>("sql");
  return sql !== null && !isWithoutRowid(sql);
}

/** Whether some index (or the rowid) leads with exactly these columns, so a lookup by them is not a scan. */
async function isIndexed(db: D1Database, table: string, columns: string[]): Promise<boolean> {
  const want = new Set(columns.map((c) => c.toLowerCase()));
  const pk = await db.prepare(`SELECT name, type FROM pragma_table_info(?) WHERE pk > 0`).bind(table).all<{ name: string; type: string }>();
  if (
    columns.length === 1 &&
    pk.results.length === 1 &&
    pk.results[0]!.type.toUpperCase() === "INTEGER" &&
    want.has(pk.results[0]!.name.toLowerCase())
  ) {
    return true; // the rowid alias
  }
  const { results } = await db
    .prepare(
      `SELECT il.name AS idx, ii.seqno AS seqno, ii.name AS col FROM pragma_index_list(?) il, pragma_index_info(il.name) ii ORDER BY il.name, ii.seqno`,
    )
    .bind(table)
    .all<{ idx: string; seqno: number; col: string | null }>();
  const leading = new Map<string, string[]>();
  for (const r of results) {
    if (!leading.has(r.idx)) leading.set(r.idx, []);
    leading.get(r.idx)!.push((r.col ?? "").toLowerCase());
  }
  return [...leading.values()].some((cols) => cols.length >= want.size && cols.slice(0, want.size).every((c) => want.has(c)));
}
