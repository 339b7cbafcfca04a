import type { DatabaseSchema, TableInfo } from "../../schemas/manifest";
import { STAGE_ROWID, STAGE_SEQ } from "../db/scan";
import { ident } from "../db/sql";
import { stageName } from "./staging";
import { type Journal, putJournal, readJournal, type SwapState } from "./swap-journal";

/**
 * The calls a swap is made of (src/restore/swap.ts has the operations): where each table's rows come from, the
 * statement that copies a slice of them, one journaled call, the sizes and the progress they report.
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

export interface Source {
  from: string;
  /** The column slices are keyed by (null: the table goes in one call). */
  key: string | null;
  /** The source column holding the hidden rowid of a table that keeps one. */
  rowid: string | null;
}

export function sourceOf(j: Journal, restoreId: string, i: number): Source {
  const t = j.build.tables[i]!;
  if (j.state.direction === "in") {
    return { from: stageName(restoreId, i), key: ident(STAGE_SEQ), rowid: t.rowidColumn ? ident(STAGE_ROWID) : null };
  }
  return { from: replacedName(restoreId, i), key: t.mode === "rowid" ? "rowid" : null, rowid: t.rowidColumn ? "rowid" : null };
}

/** INSERT ... SELECT of one slice (after the cursor, up to the slice's last key) or of the whole source. */
export function copySql(t: TableInfo, src: Source, after: boolean, upTo: boolean): string {
  const cols = t.columns.map((c) => ident(c.name));
  const into = src.rowid ? ["rowid", ...cols] : cols;
  const from = src.rowid ? [src.rowid, ...cols] : cols;
  const where = [after ? `${src.key} > CAST(? AS INTEGER)` : "", upTo ? `${src.key} <= CAST(? AS INTEGER)` : ""].filter(Boolean);
  return `INSERT INTO ${ident(t.name)} (${into.join(", ")}) SELECT ${from.join(", ")} FROM ${ident(src.from)}${
    where.length ? ` WHERE ${where.join(" AND ")}` : ""
  }${src.key ? ` ORDER BY ${src.key}` : ""}`;
}

/** One fill call: the rows and the journal's new position in one transaction. */
export async function copyCall(
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

export function advance(s: SwapState): void {
  s.table++;
  s.cursor = null;
  if (s.table >= s.order[s.group]!.tables.length) {
    s.group++;
    s.table = 0;
  }
}

export async function initialState(
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
export async function sampleRowBytes(db: D1Database, source: string, t: TableInfo): Promise<number> {
  const exists = await db.prepare("SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = ?").bind(source).first("x");
  if (!exists || !t.columns.length) return 64;
  const size = t.columns.map((c) => `coalesce(length(CAST(${ident(c.name)} AS BLOB)), 0)`).join(" + ");
  const avg = await db
    .prepare(`SELECT avg(b) AS avg FROM (SELECT ${size} AS b FROM ${ident(source)} LIMIT 256)`)
    .first<number | null>("avg");
  return Math.max(16, Math.ceil((avg ?? 0) + 8 * t.columns.length));
}

export function dropObjects(schema: DatabaseSchema, types: ("trigger" | "view" | "index")[]): string[] {
  return types.flatMap((type) =>
    schema.objects.filter((x) => x.type === type).map((x) => `DROP ${type.toUpperCase()} IF EXISTS ${ident(x.name)}`),
  );
}

/** The schema's objects of these types, from their exact SQL, tables in the schema's order. */
export function createObjects(schema: DatabaseSchema, types: ("table" | "index" | "trigger" | "view")[]): string[] {
  return types.flatMap((type) => schema.objects.filter((x) => x.type === type).map((x) => x.sql));
}

export function progress(done: boolean): SwapProgress {
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

export async function timed(what: string, call: () => Promise<unknown>): Promise<SwapProgress> {
  const began = Date.now();
  await call();
  return { done: false, calls: 1, longest_ms: Date.now() - began, longest: what };
}

export async function journalOrThrow(db: D1Database, restoreId: string): Promise<Journal> {
  const j = await readJournal(db, restoreId);
  if (!j) throw new Error(`swap ${restoreId} was not begun`);
  return j;
}
