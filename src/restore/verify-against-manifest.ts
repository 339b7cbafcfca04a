import type { DatabaseManifest, TableManifest } from "../../schemas/manifest";
import type { ChunkerParams } from "../db/chunker";
import { type ScanSpec, scanChunks } from "../db/scan";
import { ident, isInternalName } from "../db/sql";
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
    const scanned = await scanChunks(
      db,
      specs[pos.table]!,
      pos.after,
      { chunker, budgetBytes: budgetBytes - spent },
      async (plaintext, n) => {
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
      },
    );
    spent += scanned.bytes;
    if (scanned.after) return { table: pos.table, after: scanned.after, chunk, rows };
    if (chunk !== t.chunks.length || rows !== t.rows) {
      throw new VerificationError(
        `table ${t.name}: restored ${rows} rows in ${chunk} chunks, the backup has ${t.rows} rows in ${t.chunks.length}`,
      );
    }
    pos = { table: pos.table + 1, after: null, chunk: 0, rows: 0 };
    if (spent >= budgetBytes && pos.table < tables.length) return pos;
  }
  return null;
}

/**
 * After the swap: the target's user schema objects and every table's row count must be the manifest's (or, after
 * change-log entries were replayed onto staging, the counts staging had).
 * Contents were already proven chunk by chunk in staging, and the swap is SQLite's own INSERT ... SELECT from
 * those tables, so this checks that the swap put everything in place without reading every row twice.
 */
export async function verifyTargetShape(db: D1Database, manifest: DatabaseManifest, expectedRows?: number[]): Promise<void> {
  await verifySchemaObjects(db, manifest);
  const counts = await db.batch(manifest.tables.map((t) => db.prepare(`SELECT count(*) AS n FROM ${ident(t.name)}`)));
  manifest.tables.forEach((t, i) => {
    const n = (counts[i]!.results[0] as { n: number }).n;
    const want = expectedRows?.[i] ?? t.rows;
    if (n !== want) throw new VerificationError(`table ${t.name} has ${n} rows after the swap, the restored state has ${want}`);
  });
}

/** The target's user schema objects (tables, indexes, triggers, views) are exactly the manifest's, SQL for SQL. */
export async function verifySchemaObjects(db: D1Database, manifest: DatabaseManifest): Promise<void> {
  const { results } = await db
    .prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL AND type IN ('table', 'index', 'trigger', 'view')")
    .all<{ type: string; name: string; tbl_name: string; sql: string }>();
  const mine = (o: { name: string; tbl_name: string }) => !isInternalName(o.name) && !manifest.schema.excluded.includes(o.tbl_name);
  const have = new Map(results.filter(mine).map((o) => [`${o.type} ${o.name}`, o.sql]));
  const want = new Map(manifest.schema.objects.map((o) => [`${o.type} ${o.name}`, o.sql]));
  for (const [k, sql] of want) {
    if (have.get(k) !== sql)
      throw new VerificationError(`${k} is ${have.has(k) ? "different from" : "missing from"} the target after the swap`);
  }
  for (const k of have.keys()) if (!want.has(k)) throw new VerificationError(`${k} is in the target but not in the backup`);
}
