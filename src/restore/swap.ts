import type { DatabaseSchema } from "../../schemas/manifest";
import { readSchema } from "../db/schema";
import { ident, isInternalName } from "../db/sql";
import { VaultlineError } from "../errors";
import { dropTablesBounded } from "./drop-plan";
import { stageName } from "./staging";
import {
  addProgress,
  copyCall,
  copySql,
  createObjects,
  dropObjects,
  initialState,
  journalOrThrow,
  progress,
  replacedName,
  sourceOf,
  type SwapOptions,
  type SwapProgress,
  timed,
  undoneName,
  advance,
} from "./swap-calls";
import { createJournalSql, journalName, putJournal, readJournal, type SwapOrigin, type SwapState } from "./swap-journal";
import { type ForeignKey, foreignKeys, parentsFirst } from "./table-order";

/**
 * A full restore's swap, in D1 calls that stay bounded whatever the database's size (docs/FORMAT.md, "Restore"):
 *
 * 1. begin, one call of schema statements only: the target's triggers, views and indexes dropped (their SQL kept
 *    in the journal), its tables renamed aside, the backup's tables created empty under their names;
 * 2. fill, many calls: rows copied from staging in bounded slices, parents' tables before their children's, so every
 *    call commits with every foreign key satisfied; the journal's cursor moves in the same transaction as the rows;
 *    then each index in a call of its own (built sorted over the table: several times faster than upkeep per row);
 * 3. complete, one call: triggers, views and AUTOINCREMENT counters. From here the target is the backup.
 *
 * A failure before 3 commits is rolled back by running the same machinery the other way: the half-built tables go
 * aside, the target's own tables are created again from their exact SQL and filled from the tables set aside, so
 * the target ends exactly as it was, SQL text, rowids and counters included. Then cleanUpSwap drops what was set
 * aside, one table per call.
 */

/** Step 1. Does nothing when the journal shows it already ran (a retried step). */
export async function beginSwap(db: D1Database, restoreId: string, build: DatabaseSchema, o: SwapOptions = {}): Promise<SwapProgress> {
  if (await readJournal(db, restoreId)) return progress(true);
  const live = await readSchema(db, build.excluded);
  const { results: internal } = await db
    .prepare(
      "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' AND sql IS NOT NULL AND tbl_name IN (SELECT value FROM json_each(?))",
    )
    .bind(JSON.stringify(live.tables.map((t) => t.name)))
    .all<{ type: "trigger"; name: string; tbl_name: string; sql: string }>();
  const origin: SwapOrigin = { live, internal_triggers: internal.filter((t) => isInternalName(t.name)) };
  const state = await initialState(db, "in", build, (i) => stageName(restoreId, i), o);
  const sql = [
    "PRAGMA defer_foreign_keys = ON",
    ...dropObjects(live, ["trigger", "view", "index"]),
    // Renamed, not dropped: DROP TABLE of a populated parent runs a DELETE per row; aside, they are also what a
    // rollback rebuilds the target from.
    ...live.tables.map((t, n) => `ALTER TABLE ${ident(t.name)} RENAME TO ${ident(replacedName(restoreId, n))}`),
    ...createObjects(build, ["table"]),
  ];
  return timed("begin", () =>
    db.batch([
      db.prepare(createJournalSql(restoreId)),
      putJournal(db, restoreId, "origin", origin),
      putJournal(db, restoreId, "build", build),
      putJournal(db, restoreId, "state", state),
      ...sql.map((q) => db.prepare(q)),
    ]),
  );
}

/** Step 2 (either direction): copies rows in bounded calls until the tables are full or `maxCalls` is spent. */
export async function fillSwap(db: D1Database, restoreId: string, o: SwapOptions = {}): Promise<SwapProgress> {
  const j = await journalOrThrow(db, restoreId);
  const state = structuredClone(j.state);
  const out = progress(false);
  if (state.phase === "done") return { ...out, done: true };
  if (!state.order.length && j.build.tables.length) {
    const names = j.build.tables.map((t) => t.name);
    state.order = parentsFirst(names, await foreignKeys(db, names));
  }
  const maxCalls = o.maxCalls ?? Number.POSITIVE_INFINITY;
  while (out.calls < maxCalls) {
    const group = state.order[state.group];
    // A cyclic group gets lookup indexes on its foreign keys' child columns before its first row (see lookupIndexes).
    if (group?.cyclic && state.table === 0 && state.cursor === null) {
      const create = lookupIndexes(db, await groupKeys(db, j.build, group), "create");
      if (create.length) await db.batch(create);
    }
    if (!group) {
      // Every row is in: the lookup indexes go (the schema built is exactly the backup's), then the build's own.
      if (state.indexes === 0) {
        const drops: D1PreparedStatement[] = [];
        for (const g of state.order.filter((g) => g.cyclic)) drops.push(...lookupIndexes(db, await groupKeys(db, j.build, g), "drop"));
        if (drops.length) await db.batch(drops);
      }
      const index = indexesOf(j.build)[state.indexes];
      if (index) {
        await copyCall(db, restoreId, state, `index ${index.name}`, [index.sql], [], out, (s) => {
          s.indexes++;
        });
        continue;
      }
      // Tables found full since the last copy moved the position only here: record it, so complete sees it.
      if (state.group !== j.state.group || state.table !== j.state.table) await db.batch([putJournal(db, restoreId, "state", state)]);
      return { ...out, done: true };
    }
    const ti = group.tables[state.table]!;
    const t = j.build.tables[ti]!;
    const src = sourceOf(j, restoreId, ti);
    if (!src.key) {
      // No key to slice by (a WITHOUT ROWID table rebuilt by a rollback): the table in one call.
      await copyCall(db, restoreId, state, `${t.name}: all rows`, [copySql(t, src, false, false)], [], out, advance);
      continue;
    }
    const { last } = (await db
      .prepare(
        `SELECT CAST(max(k) AS TEXT) AS last FROM (SELECT ${src.key} AS k FROM ${ident(src.from)} ${state.cursor === null ? "" : `WHERE ${src.key} > CAST(? AS INTEGER)`} ORDER BY ${src.key} LIMIT ?)`,
      )
      .bind(...(state.cursor === null ? [] : [state.cursor]), state.rows_per_call[ti]!)
      .first<{ last: string | null }>())!;
    if (last === null) {
      advance(state); // this table is full; the next call records it
      continue;
    }
    const binds = [...(state.cursor === null ? [] : [state.cursor]), last];
    const from = state.cursor;
    try {
      await copyCall(
        db,
        restoreId,
        state,
        `${t.name}: rows after ${from ?? "the start"}`,
        [copySql(t, src, from !== null, true)],
        [binds],
        out,
        (s) => {
          s.cursor = last;
        },
      );
    } catch (e) {
      if (!group.cyclic || !/FOREIGN KEY constraint failed/i.test(String(e))) throw e;
      // A row refers to a row of its own group not copied yet: the rest of the group goes in one transaction.
      const rest = group.tables.slice(state.table);
      await copyCall(
        db,
        restoreId,
        state,
        `${rest.map((i) => j.build.tables[i]!.name).join(", ")}: the rest, in one call (a cycle of foreign keys)`,
        rest.map((i, n) => copySql(j.build.tables[i]!, sourceOf(j, restoreId, i), n === 0 && state.cursor !== null, false)),
        rest.map((_, n) => (n === 0 && state.cursor !== null ? [state.cursor] : [])),
        out,
        (s) => {
          s.whole.push(...rest.map((i) => j.build.tables[i]!.name));
          s.group++;
          s.table = 0;
          s.cursor = null;
        },
      );
    }
  }
  return { ...out, done: filled(state, j.build) };
}

/** Step 3 (either direction): triggers, views, counters; the direction is done. */
export async function completeSwap(db: D1Database, restoreId: string): Promise<SwapProgress> {
  const j = await journalOrThrow(db, restoreId);
  if (j.state.phase === "done") return progress(true);
  if (!filled(j.state, j.build)) throw new Error(`swap ${restoreId}: rows are still being copied`);
  const sql = [
    "PRAGMA defer_foreign_keys = ON",
    // Triggers after the rows, so none fired on them; views last.
    ...createObjects(j.build, ["trigger", "view"]),
    ...(j.state.direction === "back" ? j.origin.internal_triggers.map((t) => t.sql) : []),
  ];
  const statements = sql.map((q) => db.prepare(q));
  // AUTOINCREMENT counters exactly as they were: inserting rows (or none) creates counters the source may not have had.
  if (j.build.objects.some((o) => o.type === "table" && /\bAUTOINCREMENT\b/i.test(o.sql))) {
    statements.push(
      db
        .prepare("DELETE FROM sqlite_sequence WHERE name IN (SELECT value FROM json_each(?))")
        .bind(JSON.stringify(j.build.tables.map((t) => t.name))),
      ...j.build.sequences.map((s) => db.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)").bind(s.name, s.seq)),
    );
  }
  statements.push(putJournal(db, restoreId, "state", { ...j.state, phase: "done" } satisfies SwapState));
  return { ...(await timed("complete", () => db.batch(statements))), whole: j.state.whole };
}

/**
 * Puts the target back exactly as it was before beginSwap, whatever call the swap stopped after: the half-built
 * tables go aside, the target's tables, indexes, triggers, views and counters are created again from the journal
 * and refilled from the tables set aside. Resumable like the swap: call until `done`. A swap that completed is not
 * rolled back (the target is the backup; a production restore rolls back from its safety backup instead).
 */
export async function rollbackSwap(db: D1Database, restoreId: string, o: SwapOptions = {}): Promise<SwapProgress> {
  const j = await readJournal(db, restoreId);
  if (!j) return progress(true); // never begun: the target was not touched
  if (j.state.direction === "in" && j.state.phase === "done") {
    throw new VaultlineError("swap_completed", `the swap of restore ${restoreId} completed; it cannot be rolled back in place`, 409);
  }
  const out = progress(false);
  if (j.state.direction === "in") {
    const live = j.origin.live;
    const state = await initialState(db, "back", live, (n) => replacedName(restoreId, n), o);
    const { results: built } = await db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN (SELECT value FROM json_each(?))")
      .bind(JSON.stringify(j.build.tables.map((t) => t.name)))
      .all<{ name: string }>();
    const sql = [
      "PRAGMA defer_foreign_keys = ON",
      ...dropObjects(j.build, ["index"]),
      ...built.map((t, n) => `ALTER TABLE ${ident(t.name)} RENAME TO ${ident(undoneName(restoreId, n))}`),
      ...createObjects(live, ["table"]),
    ];
    const turned = await timed("turn around", () =>
      db.batch([...sql.map((q) => db.prepare(q)), putJournal(db, restoreId, "build", live), putJournal(db, restoreId, "state", state)]),
    );
    addProgress(out, turned);
  }
  const filled = await fillSwap(db, restoreId, { ...o, maxCalls: (o.maxCalls ?? Number.POSITIVE_INFINITY) - out.calls });
  addProgress(out, filled);
  if (!filled.done) return out;
  addProgress(out, await completeSwap(db, restoreId));
  return { ...out, done: true };
}

/**
 * After the swap completed, or was rolled back: drops the tables set aside, the half-built ones and staging, one
 * table per call, then the journal. Refuses while a swap is half done (what is aside is what a rollback needs),
 * unless `abandon` (a production restore that put its safety backup back over the target).
 */
export async function cleanUpSwap(
  db: D1Database,
  restoreId: string,
  o: SwapOptions & { abandon?: boolean } = {},
): Promise<SwapProgress & { replaced: number }> {
  const j = await readJournal(db, restoreId);
  if (j && j.state.phase !== "done" && !o.abandon) {
    throw new VaultlineError("swap_in_progress", `the swap of restore ${restoreId} is half done: roll it back before cleaning up`, 409);
  }
  const prefixes = ["old", "undo", "stage"].map((k) => `_vaultline_${k}_${restoreId}_`);
  const { results } = await db
    .prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND (substr(name, 1, ?) = ? OR substr(name, 1, ?) = ? OR substr(name, 1, ?) = ?)",
    )
    .bind(...prefixes.flatMap((p) => [p.length, p]))
    .all<{ name: string }>();
  const r = await dropTablesBounded(
    db,
    results.map((x) => x.name),
    o.maxCalls,
  );
  if (!r.more && j) await db.prepare(`DROP TABLE IF EXISTS ${ident(journalName(restoreId))}`).run();
  return {
    done: !r.more,
    calls: r.calls,
    longest_ms: r.longest_ms,
    longest: "drop a table set aside",
    replaced: results.filter((x) => x.name.startsWith(prefixes[0]!)).length,
  };
}

/** The schema's indexes, in the order the fill creates them. */
/** The foreign keys among the tables of a group (a cycle, or a table referring to itself). */
async function groupKeys(db: D1Database, build: DatabaseSchema, group: { tables: number[] }): Promise<ForeignKey[]> {
  const names = group.tables.map((i) => build.tables[i]!.name);
  const inGroup = new Set(names.map((n) => n.toLowerCase()));
  return (await foreignKeys(db, names)).filter((fk) => inGroup.has(fk.parent.toLowerCase()));
}

/**
 * Lookup indexes on the child columns of a cyclic group's foreign keys, for the time its rows are copied. A row that
 * refers to one not copied yet leaves a pending violation, and while one is pending SQLite looks for the children of
 * every parent row inserted; without an index on the child columns each look is a scan of the table (a copy of a
 * self-referencing table whose parents were updated after the backup, so sit later in staging, went quadratic). Named
 * `_vaultline_fk_*` (internal); created with IF NOT EXISTS and dropped with IF EXISTS, so a retried call is harmless.
 */
function lookupIndexes(db: D1Database, fks: ForeignKey[], what: "create" | "drop"): D1PreparedStatement[] {
  return fks.map((fk, n) => {
    const name = ident(`_vaultline_fk_${fk.child}_${n}`);
    return db.prepare(
      what === "create"
        ? `CREATE INDEX IF NOT EXISTS ${name} ON ${ident(fk.child)} (${fk.columns.map(ident).join(", ")})`
        : `DROP INDEX IF EXISTS ${name}`,
    );
  });
}

function indexesOf(schema: DatabaseSchema): DatabaseSchema["objects"] {
  return schema.objects.filter((o) => o.type === "index");
}

/** Whether every table's rows and every index are in (the key order is computed on the first fill call). */
function filled(state: SwapState, build: DatabaseSchema): boolean {
  const rowsIn = build.tables.length === 0 || (state.order.length > 0 && !state.order[state.group]);
  return rowsIn && state.indexes >= indexesOf(build).length;
}

/** Whether a swap was begun and not finished (so the target holds a half-built database until it is rolled back). */
export async function swapInProgress(db: D1Database, restoreId: string): Promise<boolean> {
  const j = await readJournal(db, restoreId);
  return Boolean(j && !(j.state.direction === "in" && j.state.phase === "done"));
}
