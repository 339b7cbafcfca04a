import type { TableManifest } from "../../schemas/manifest";
import type { ChunkerParams } from "../db/chunker";
import { type ScanSpec, scanChunks } from "../db/scan";
import { VaultlineError } from "../errors";
import { sha256Hex } from "../repo/bytes";

export class VerificationError extends VaultlineError {
  constructor(message: string) {
    super("verification_failed", message, 500);
  }
}

export interface VerifyPosition {
  table: number;
  after: string[] | null;
  /** Index of the next chunk expected in this table. */
  chunk: number;
  rows: number;
}

/**
 * Re-reads tables and re-derives their chunks with the backup's chunker: every chunk digest and row count must
 * equal the manifest's, in order. Identical content gives identical chunks, so this proves every row and value.
 * Bounded like an export slice; returns where to continue, or null when every table matched.
 */
export async function verifySlice(
  db: D1Database,
  specs: ScanSpec[],
  tables: TableManifest[],
  chunker: ChunkerParams,
  from: VerifyPosition,
  budgetBytes: number,
): Promise<VerifyPosition | null> {
  let pos: VerifyPosition = { ...from };
  let spent = 0;
  while (pos.table < tables.length) {
    const t = tables[pos.table]!;
    let { chunk, rows } = pos;
    const scanned = await scanChunks(db, specs[pos.table]!, pos.after, { chunker, budgetBytes: budgetBytes - spent }, async (plaintext, n) => {
      const expected = t.chunks[chunk];
      const digest = await sha256Hex(plaintext);
      if (!expected || expected.sha256 !== digest || expected.rows !== n) {
        throw new VerificationError(
          `table ${t.name}: chunk ${chunk + 1} of the restored data (${n} rows) differs from the backup ` +
            (expected ? `(${expected.rows} rows, sha256 ${expected.sha256.slice(0, 12)}…)` : "(the backup has no more chunks)"),
        );
      }
      chunk++;
      rows += n;
    });
    spent += scanned.bytes;
    if (scanned.after) return { table: pos.table, after: scanned.after, chunk, rows };
    if (chunk !== t.chunks.length || rows !== t.rows) {
      throw new VerificationError(`table ${t.name}: restored ${rows} rows in ${chunk} chunks, the backup has ${t.rows} rows in ${t.chunks.length}`);
    }
    pos = { table: pos.table + 1, after: null, chunk: 0, rows: 0 };
    if (spent >= budgetBytes && pos.table < tables.length) return pos;
  }
  return null;
}
