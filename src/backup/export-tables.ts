import type { ChunkRef, TableInfo } from "../../schemas/manifest";
import { scanChunks, tableScanSpec } from "../db/scan";
import { sha256Hex } from "../repo/bytes";
import type { Repository } from "../repo/repository";

/**
 * Bytes of rows one export step handles (EXPORT_STEP_MB, default 64): here about 0.5 s of D1 reads and
 * compression, far inside the 30 s CPU limit of a step, and few enough steps for a 10 GB database (about 160).
 */
export const EXPORT_STEP_BYTES = 64 << 20;

export function exportStepBytes(env: { EXPORT_STEP_MB?: string }): number {
  const mb = Number(env.EXPORT_STEP_MB || "0");
  return Number.isFinite(mb) && mb >= 1 ? mb << 20 : EXPORT_STEP_BYTES;
}

/** Where an export resumes: a table index and the keyset cursor inside it. */
export interface ExportPosition {
  table: number;
  after: string[] | null;
}

export interface ExportStepResult {
  next: ExportPosition | null;
  /** Chunks per table index, in order. */
  tables: { index: number; chunks: ChunkRef[] }[];
  /** Chunks this step wrote: the verify steps read each one back. */
  written: string[];
  stored_bytes: number;
  raw_bytes: number;
  rows: number;
  ms: number;
}

/**
 * One bounded slice of a database export: tables from `from`, chunks into the repository, until the table
 * list ends or `budgetBytes` of rows are exported. Small tables share a step; a large one spans several.
 */
export async function exportSlice(
  db: D1Database,
  repo: Repository,
  tables: TableInfo[],
  from: ExportPosition,
  budgetBytes: number,
): Promise<ExportStepResult> {
  const began = Date.now();
  const out: ExportStepResult = { next: null, tables: [], written: [], stored_bytes: 0, raw_bytes: 0, rows: 0, ms: 0 };
  let pos: ExportPosition | null = from;
  while (pos && pos.table < tables.length) {
    const table = tables[pos.table]!;
    const entry = { index: pos.table, chunks: [] as ChunkRef[] };
    out.tables.push(entry);
    const scanned = await scanChunks(
      db,
      tableScanSpec(table),
      pos.after,
      { chunker: repo.config.chunker, budgetBytes: budgetBytes - out.raw_bytes },
      async (plaintext, rows) => {
        const [id, sha256] = await Promise.all([repo.chunkId(plaintext), sha256Hex(plaintext)]);
        const put = await repo.putChunk(id, plaintext);
        entry.chunks.push({ id, rows, raw: plaintext.length, sha256 });
        if (put.written) out.written.push(id);
        out.stored_bytes += put.stored;
        out.rows += rows;
      },
    );
    out.raw_bytes += scanned.bytes;
    if (scanned.after) {
      pos = { table: pos.table, after: scanned.after };
      out.next = pos;
      out.ms = Date.now() - began;
      return out;
    }
    pos = pos.table + 1 < tables.length ? { table: pos.table + 1, after: null } : null;
    if (pos && out.raw_bytes >= budgetBytes) {
      out.next = pos;
      out.ms = Date.now() - began;
      return out;
    }
  }
  out.ms = Date.now() - began;
  return out;
}

/** Reads back chunks this backup wrote: each must exist, match its upload digest, decrypt and hash to its id. */
export async function verifyChunks(repo: Repository, ids: string[]): Promise<number> {
  let bytes = 0;
  for (const id of ids) bytes += (await repo.getChunk(id)).length;
  return bytes;
}
