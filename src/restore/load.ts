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

/**
 * Loads one chunk into its staging table in a single D1 batch (one transaction): the chunk is in, or not at all.
 * Rows are keyed by their position in the backup, so a retried load replaces what an earlier attempt wrote.
 */
export async function loadChunk(db: D1Database, repo: Repository, stage: string, table: TableManifest, chunkIndex: number): Promise<number> {
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
  if (statements.length) await db.batch(statements);
  return rows;
}
