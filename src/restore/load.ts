import type { TableManifest } from "../../schemas/manifest";
import { chunkRows } from "../db/chunker";
import { tupleToParams } from "../db/literals";
import { ident } from "../db/sql";
import { IntegrityError } from "../errors";
import { Layout } from "../repo/layout";
import type { Repository } from "../repo/repository";

/** D1 refuses statements over 100 KB; stay well under it. */
const STATEMENT_BYTES = 90_000;
/** A row bigger than this is bound with parameters instead of inlined. */
const INLINE_ROW_BYTES = 60_000;
const ROWS_PER_STATEMENT = 400;

/** D1 statements one load step runs at most (the platform allows 1,000 queries an invocation; a few are the catalog's). */
export const LOAD_STEP_STATEMENTS = 800;

/**
 * The chunks each load step loads: up to `maxChunks` of them, and no more than LOAD_STEP_STATEMENTS statements by the
 * table's average row (a table of 60 kB rows runs one statement a row, so fewer of its chunks fit a step). Returns
 * (table index, chunk index) pairs per step, in order.
 */
export function loadSteps(
  tables: { index: number; rows: number; chunks: number; raw_bytes?: number }[],
  maxChunks: number,
): (readonly [number, number])[][] {
  const steps: (readonly [number, number])[][] = [];
  let current: (readonly [number, number])[] = [];
  let statements = 0;
  for (const t of tables) {
    const perChunk = statementsPerChunk(t);
    for (let ci = 0; ci < t.chunks; ci++) {
      if (current.length && (current.length >= maxChunks || statements + perChunk > LOAD_STEP_STATEMENTS)) {
        steps.push(current);
        current = [];
        statements = 0;
      }
      current.push([t.index, ci] as const);
      statements += perChunk;
    }
  }
  if (current.length) steps.push(current);
  return steps;
}

function statementsPerChunk(t: { rows: number; chunks: number; raw_bytes?: number }): number {
  if (!t.chunks || !t.rows) return 1;
  const rows = t.rows / t.chunks;
  const bytes = (t.raw_bytes ?? 0) / t.chunks;
  if ((t.raw_bytes ?? 0) / t.rows > INLINE_ROW_BYTES) return Math.ceil(rows);
  return Math.max(1, Math.ceil(bytes / STATEMENT_BYTES), Math.ceil(rows / ROWS_PER_STATEMENT));
}

export interface ChunkLoad {
  stage: string;
  table: TableManifest;
  chunkIndex: number;
}

/**
 * Loads chunks into their staging tables, one D1 batch (one transaction) per chunk: a chunk is in, or not at all.
 * The next chunk is read, authenticated and turned into statements while D1 runs the current batch.
 */
export async function loadChunks(db: D1Database, repo: Repository, loads: ChunkLoad[]): Promise<number> {
  let rows = 0;
  let next = loads.length ? prepareChunk(db, repo, loads[0]!) : null;
  for (let i = 0; i < loads.length; i++) {
    const prepared = await next!;
    next = i + 1 < loads.length ? prepareChunk(db, repo, loads[i + 1]!) : null;
    if (prepared.statements.length) await db.batch(prepared.statements);
    rows += prepared.rows;
  }
  return rows;
}

/**
 * Statements that write one chunk's rows into its staging table. Rows are keyed by their position in the backup,
 * so a retried load replaces what an earlier attempt wrote.
 */
async function prepareChunk(
  db: D1Database,
  repo: Repository,
  { stage, table, chunkIndex }: ChunkLoad,
): Promise<{ statements: D1PreparedStatement[]; rows: number }> {
  const ref = table.chunks[chunkIndex]!;
  const plaintext = await repo.getChunk(ref.id);
  let seq = table.chunks.slice(0, chunkIndex).reduce((n, c) => n + c.rows, 0);
  const target = ident(stage);
  const statements: D1PreparedStatement[] = [];
  let values: string[] = [];
  let bytes = 0;
  const flush = () => {
    if (!values.length) return;
    statements.push(db.prepare(`INSERT OR REPLACE INTO ${target} VALUES ${values.join(",")}`));
    values = [];
    bytes = 0;
  };
  let rows = 0;
  for (const { tuple, bytes: n } of chunkRows(plaintext)) {
    rows++;
    if (n > INLINE_ROW_BYTES) {
      const { sql, params } = tupleToParams(tuple);
      statements.push(db.prepare(`INSERT OR REPLACE INTO ${target} VALUES (${seq++},${sql})`).bind(...params));
      continue;
    }
    if (bytes + n + 24 > STATEMENT_BYTES || values.length >= ROWS_PER_STATEMENT) flush();
    values.push(`(${seq++},${tuple})`);
    bytes += n + 24;
  }
  flush();
  if (rows !== ref.rows) throw new IntegrityError(Layout.chunk(ref.id), `holds ${rows} rows, the manifest says ${ref.rows}`);
  return { statements, rows };
}
