import type { TableInfo } from "../../schemas/manifest";
import type { ChunkerParams } from "./chunker";
import { RowChunker } from "./chunker";
import { ident } from "./sql";

/** How to read one table in backup order: where from, how to render a row, how to page. */
export interface ScanSpec {
  from: string;
  /** Expression rendering a row as the text of a VALUES tuple. */
  tuple: string;
  /** Expression whose text decides chunk cut points (the row's primary key). */
  chunkKey: string;
  /** Ordered expressions the keyset pagination walks. */
  cursor: string[];
}

/** Reading a live table: paged by rowid or primary key. */
export function tableScanSpec(t: TableInfo): ScanSpec {
  const tupleParts = t.columns.map((c) => `quote(${ident(c.name)})`);
  if (t.rowidColumn) tupleParts.unshift("quote(rowid)");
  const cursor = t.keyColumns.map((k) => (k === "rowid" ? "rowid" : ident(k)));
  return { from: ident(t.name), tuple: tupleParts.join(" || ',' || "), chunkKey: quotedList(cursor), cursor };
}

export const STAGE_SEQ = "_vl_seq";
export const STAGE_ROWID = "_vl_rowid";

/** Reading a restore staging table: paged by load order, rendered exactly like its source table. */
export function stagingScanSpec(t: TableInfo, stageName: string): ScanSpec {
  const tupleParts = t.columns.map((c) => `quote(${ident(c.name)})`);
  if (t.rowidColumn) tupleParts.unshift(`quote(${ident(STAGE_ROWID)})`);
  const key = t.keyColumns.map((k) => (k === "rowid" ? ident(STAGE_ROWID) : ident(k)));
  return { from: ident(stageName), tuple: tupleParts.join(" || ',' || "), chunkKey: quotedList(key), cursor: [ident(STAGE_SEQ)] };
}

function quotedList(exprs: string[]): string {
  return exprs.map((e) => `quote(${e})`).join(" || ',' || ");
}

export interface ScanLimits {
  chunker: ChunkerParams;
  /** Stop after the first chunk cut past this many bytes (keeps a workflow step bounded). */
  budgetBytes: number;
}

export interface ScanResult {
  /** Cursor after the last row emitted in a chunk; null when the table is finished. */
  after: string[] | null;
  bytes: number;
}

const PAGE_TARGET_BYTES = 4 << 20;

/**
 * Walks a table from `after` in keyset pages, hands every finished chunk to `onChunk` (at most one in flight,
 * so reading overlaps with the upload), and stops at the end of the table or at the first chunk cut once the
 * budget is spent. Memory is bounded by one page plus one chunk.
 */
export async function scanChunks(
  db: D1Database,
  spec: ScanSpec,
  after: string[] | null,
  limits: ScanLimits,
  onChunk: (plaintext: Uint8Array, rows: number) => Promise<void>,
): Promise<ScanResult> {
  const chunker = new RowChunker(limits.chunker);
  const cursorCols = spec.cursor.map((c, i) => `quote(${c}) AS c${i}`).join(", ");
  const order = spec.cursor.join(", ");
  // The first page is a few rows: their size sets the next pages' (a page of 1,000 rows of 60 kB would be a 60 MB
  // result, past D1's 50 MB and half an isolate's memory).
  let pageLimit = 8;
  let cursor = after;
  let lastCutCursor = after;
  let bytes = 0;
  let inFlight: Promise<void> = Promise.resolve();

  const emit = async (chunk: { plaintext: Uint8Array; rows: number }) => {
    await inFlight;
    bytes += chunk.plaintext.length;
    inFlight = onChunk(chunk.plaintext, chunk.rows);
  };

  for (;;) {
    const where = cursor ? `WHERE (${order}) > (${cursor.join(", ")})` : "";
    const sql = `SELECT ${spec.tuple} AS t, ${spec.chunkKey} AS k, ${cursorCols} FROM ${spec.from} ${where} ORDER BY ${order} LIMIT ${pageLimit}`;
    const { results } = await db.prepare(sql).all<Record<string, string>>();
    let pageBytes = 0;
    for (const row of results) {
      const rowCursor = spec.cursor.map((_, i) => row[`c${i}`]!);
      pageBytes += row.t!.length;
      const chunk = chunker.add(row.t!, row.k!);
      if (!chunk) continue;
      await emit(chunk);
      lastCutCursor = rowCursor;
      if (bytes >= limits.budgetBytes) {
        await inFlight;
        return { after: lastCutCursor, bytes };
      }
    }
    if (results.length < pageLimit) break;
    cursor = spec.cursor.map((_, i) => results[results.length - 1]![`c${i}`]!);
    // Aim pages at a few MB whatever the row size: D1 caps a result at 50 MB.
    const perRow = Math.max(1, pageBytes / results.length);
    pageLimit = Math.max(1, Math.min(5000, Math.floor(PAGE_TARGET_BYTES / perRow)));
  }
  const last = chunker.flush();
  if (last) await emit(last);
  await inFlight;
  return { after: null, bytes };
}
