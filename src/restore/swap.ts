import type { DatabaseSchema, TableInfo } from "../../schemas/manifest";
import { STAGE_ROWID, STAGE_SEQ } from "../db/scan";
import { readSchema } from "../db/schema";
import { ident, isInternalName } from "../db/sql";
import { VaultlineError } from "../errors";
import { dropTablesBounded } from "./drop-plan";
import { stageName } from "./staging";
import { createJournalSql, type Journal, journalName, putJournal, readJournal, type SwapOrigin, type SwapState } from "./swap-journal";
import { foreignKeys, parentsFirst } from "./table-order";

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

/** Bytes of rows one fill call copies (estimated from a sample of the source's rows). */
export const SWAP_CALL_BYTES = 16 << 20;
/** Rows one fill call copies at most, whatever their size: index upkeep is per row. */
export const SWAP_CALL_ROWS = 50_000;

export interface SwapOptions {
  /** D1 calls this invocation makes at most (a workflow step's share); the rest is left for the next. */
  maxCalls?: number;
  callBytes?: number;
  callRows?: number;
}

/** What one invocation did: for the log and the limit checks. */
export interface SwapProgress {
  done: boolean;
  calls: number;
  longest_ms: number;
  /** The call that took longest, described. */
  longest: string;
  /** Tables copied in one call because of a cycle of foreign keys (completeSwap's answer). */
  whole?: string[];
}

/** Where a replaced table waits, renamed, until the restore is done and it can be dropped. */
export function replacedName(restoreId: string, n: number): string {
  return `_vaultline_old_${restoreId}_${n}`;
}
/** Where a half-built table goes when a swap is rolled back. */
export function undoneName(restoreId: string, n: number): string {
  return `_vaultline_undo_${restoreId}_${n}`;
}

/** Step 1. Returns false when the journal shows it already ran (a retried step). */
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
    if (!group) {
      const indexes = createObjects(j.build, ["index"]);
      if (state.indexes < indexes.length) {
        const sql = indexes[state.indexes]!;
        const name = j.build.objects.filter((o) => o.type === "index")[state.indexes]!.name;
        await copyCall(db, restoreId, state, `index ${name}`, [sql], [], out, (s) => {
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
  return { ...out, done: !state.order[state.group] && state.indexes >= j.build.objects.filter((o) => o.type === "index").length };
}

/** Step 3 (either direction): triggers, views, counters; the direction is done. */
export async function completeSwap(db: D1Database, restoreId: string): Promise<SwapProgress> {
  const j = await journalOrThrow(db, restoreId);
  if (j.state.phase === "done") return progress(true);
  if ((j.build.tables.length && j.state.order[j.state.group]) || j.state.indexes < j.build.objects.filter((o) => o.type === "index").length)
    throw new Error(`swap ${restoreId}: rows are still being copied`);
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
): Promise<SwapProgress & { dropped: number; replaced: number }> {
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
    dropped: r.dropped,
    replaced: results.filter((x) => x.name.startsWith(prefixes[0]!)).length,
  };
}

/** Whether a swap was begun and not finished (so the target holds a half-built database until it is rolled back). */
export async function swapInProgress(db: D1Database, restoreId: string): Promise<boolean> {
  const j = await readJournal(db, restoreId);
  return Boolean(j && !(j.state.direction === "in" && j.state.phase === "done"));
}

// --- mechanics ---

interface Source {
  from: string;
  /** The column slices are keyed by (null: the table goes in one call). */
  key: string | null;
  /** The source column holding the hidden rowid of a table that keeps one. */
  rowid: string | null;
}

function sourceOf(j: Journal, restoreId: string, i: number): Source {
  const t = j.build.tables[i]!;
  if (j.state.direction === "in") {
    return { from: stageName(restoreId, i), key: ident(STAGE_SEQ), rowid: t.rowidColumn ? ident(STAGE_ROWID) : null };
  }
  return { from: replacedName(restoreId, i), key: t.mode === "rowid" ? "rowid" : null, rowid: t.rowidColumn ? "rowid" : null };
}

/** INSERT ... SELECT of one slice (after the cursor, up to the slice's last key) or of the whole source. */
function copySql(t: TableInfo, src: Source, after: boolean, upTo: boolean): string {
  const cols = t.columns.map((c) => ident(c.name));
  const into = src.rowid ? ["rowid", ...cols] : cols;
  const from = src.rowid ? [src.rowid, ...cols] : cols;
  const where = [after ? `${src.key} > CAST(? AS INTEGER)` : "", upTo ? `${src.key} <= CAST(? AS INTEGER)` : ""].filter(Boolean);
  return `INSERT INTO ${ident(t.name)} (${into.join(", ")}) SELECT ${from.join(", ")} FROM ${ident(src.from)}${
    where.length ? ` WHERE ${where.join(" AND ")}` : ""
  }${src.key ? ` ORDER BY ${src.key}` : ""}`;
}

/** One fill call: the rows and the journal's new position in one transaction. */
async function copyCall(
  db: D1Database,
  restoreId: string,
  state: SwapState,
  what: string,
  sql: string[],
  binds: (string | number)[][],
  out: SwapProgress,
  move: (s: SwapState) => void,
): Promise<void> {
  const next: SwapState = structuredClone(state);
  move(next);
  const t = await timed(what, () =>
    db.batch([
      // Checked per statement, not deferred to the commit: a slice referring to rows not copied yet fails with
      // SQLite's own message (a deferred failure at commit reaches the Worker as D1's "internal error").
      ...(sql.length > 1 ? [db.prepare("PRAGMA defer_foreign_keys = ON")] : []),
      ...sql.map((q, i) => (binds[i]?.length ? db.prepare(q).bind(...binds[i]!) : db.prepare(q))),
      putJournal(db, restoreId, "state", next),
    ]),
  );
  Object.assign(state, next);
  addProgress(out, t);
}

function advance(s: SwapState): void {
  s.table++;
  s.cursor = null;
  if (s.table >= s.order[s.group]!.tables.length) {
    s.group++;
    s.table = 0;
  }
}

async function initialState(
  db: D1Database,
  direction: SwapState["direction"],
  build: DatabaseSchema,
  sourceName: (i: number) => string,
  o: SwapOptions,
): Promise<SwapState> {
  const rows_per_call: number[] = [];
  for (const [i, t] of build.tables.entries()) {
    const bytes = await sampleRowBytes(db, sourceName(i), t);
    rows_per_call.push(Math.max(1, Math.min(o.callRows ?? SWAP_CALL_ROWS, Math.floor((o.callBytes ?? SWAP_CALL_BYTES) / bytes))));
  }
  return { direction, phase: "fill", order: [], group: 0, table: 0, cursor: null, rows_per_call, indexes: 0, whole: [] };
}

/** Average bytes of a row, from up to 256 rows of the source (bounded whatever the table's size). */
async function sampleRowBytes(db: D1Database, source: string, t: TableInfo): Promise<number> {
  const exists = await db.prepare("SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = ?").bind(source).first("x");
  if (!exists || !t.columns.length) return 64;
  const size = t.columns.map((c) => `coalesce(length(CAST(${ident(c.name)} AS BLOB)), 0)`).join(" + ");
  const avg = await db
    .prepare(`SELECT avg(b) AS avg FROM (SELECT ${size} AS b FROM ${ident(source)} LIMIT 256)`)
    .first<number | null>("avg");
  return Math.max(16, Math.ceil((avg ?? 0) + 8 * t.columns.length));
}

function dropObjects(schema: DatabaseSchema, types: ("trigger" | "view" | "index")[]): string[] {
  return types.flatMap((type) =>
    schema.objects.filter((x) => x.type === type).map((x) => `DROP ${type.toUpperCase()} IF EXISTS ${ident(x.name)}`),
  );
}

/** The schema's objects of these types, from their exact SQL, tables in the schema's order. */
function createObjects(schema: DatabaseSchema, types: ("table" | "index" | "trigger" | "view")[]): string[] {
  return types.flatMap((type) => schema.objects.filter((x) => x.type === type).map((x) => x.sql));
}

function progress(done: boolean): SwapProgress {
  return { done, calls: 0, longest_ms: 0, longest: "" };
}

/** Adds one invocation's calls to a running total, keeping the longest. */
export function addProgress(into: SwapProgress, p: SwapProgress): void {
  into.calls += p.calls;
  if (p.longest_ms >= into.longest_ms) {
    into.longest_ms = p.longest_ms;
    into.longest = p.longest;
  }
}

async function timed(what: string, call: () => Promise<unknown>): Promise<SwapProgress> {
  const began = Date.now();
  await call();
  return { done: false, calls: 1, longest_ms: Date.now() - began, longest: what };
}

async function journalOrThrow(db: D1Database, restoreId: string): Promise<Journal> {
  const j = await readJournal(db, restoreId);
  if (!j) throw new Error(`swap ${restoreId} was not begun`);
  return j;
}
