// Runs the step functions of a database backup and restore in Node, against the local D1 and R2 of a wrangler state
// (getPlatformProxy), and reports what each step kind holds in memory: the JS heap plus external memory (buffers),
// sampled every millisecond, above the baseline taken before the step. Bundled and started by scripts/lib/
// step-memory.ts under a heap limit; one JSON line per step kind on stdout.
import { getPlatformProxy } from "wrangler";
import type { TableInfo, TableManifest } from "../../schemas/manifest";
import { exportSlice, verifyChunks } from "../../src/backup/export-tables";
import { tableChecksum } from "../../src/backup/checksum";
import { stagingScanSpec } from "../../src/db/scan";
import { readSchema } from "../../src/db/schema";
import { ident } from "../../src/db/sql";
import type { Env } from "../../src/env";
import { openRepository } from "../../src/repo/open";
import { loadChunks, loadSteps } from "../../src/restore/load";
import { createStaging, dropStaging, stageName } from "../../src/restore/staging";
import { verifySlice } from "../../src/restore/verify-against-manifest";
import { LOAD_STEP_CHUNKS, VERIFY_STEP_BYTES, VERIFY_STEP_CHUNKS } from "../../src/workflow-kit/step-budget";
import { EXPORT_STEP_BYTES } from "../../src/backup/export-tables";
import { meteredD1, meteredR2, newMeter, resetMeter } from "./metered-bindings";

const [configPath, persistPath] = process.argv.slice(2) as [string, string];
const { env: proxied, dispose } = await getPlatformProxy<Env>({ configPath, persist: { path: persistPath }, remoteBindings: false });
const raw = proxied as Env;
/** Every D1 query and R2 operation of the step functions is counted here, per step. */
const meter = newMeter();
const env = {
  ...raw,
  OIDC_DB: meteredD1(raw.OIDC_DB, meter),
  RESTORE_TARGET_DB: meteredD1(raw.RESTORE_TARGET_DB, meter),
  BACKUP_BUCKET: meteredR2(raw.BACKUP_BUCKET, meter),
} as Env;
const gc = (globalThis as { gc?: () => void }).gc;

let peak = 0;
const used = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
};
const timer = setInterval(() => {
  peak = Math.max(peak, used());
}, 1);

/**
 * Runs one step's work and prints what it held above the baseline (MB), how long it took, its D1 queries and R2
 * operations, and the size of its result as a step would return it (JSON).
 */
async function measure<T>(kind: string, detail: string, work: () => Promise<T>): Promise<T> {
  gc?.();
  await new Promise((r) => setTimeout(r, 20));
  const base = used();
  peak = base;
  resetMeter(meter);
  const began = Date.now();
  const out = await work();
  peak = Math.max(peak, used());
  const output_bytes = JSON.stringify(out ?? null).length;
  console.log(
    JSON.stringify({
      kind,
      detail,
      held_mb: (peak - base) / 1e6,
      base_mb: base / 1e6,
      ms: Date.now() - began,
      d1: meter.d1,
      statements: meter.statements,
      r2: meter.r2,
      output_bytes,
    }),
  );
  return out;
}

/** The database's table with the most rows (each step's memory must not depend on it). */
async function largestTable(db: D1Database): Promise<{ table: TableInfo; rows: number }> {
  const schema = await readSchema(db);
  let best = { table: schema.tables[0]!, rows: -1 };
  for (const t of schema.tables) {
    const n = (await db.prepare(`SELECT count(*) AS n FROM ${ident(t.name)}`).first<number>("n")) ?? 0;
    if (n > best.rows) best = { table: t, rows: n };
  }
  return best;
}

/** Backup then restore steps over one table of `db`: export, read-back, load into staging, verify staging. */
async function stepsOver(
  db: D1Database,
  { table, rows }: { table: TableInfo; rows: number },
  label: string,
  target: D1Database,
): Promise<void> {
  const repo = await openRepository(env);
  const what = `${label}: a table of ${rows.toLocaleString("en")} rows`;
  const slice = await measure("backup: export step", what, () =>
    exportSlice(db, repo, [table], { table: 0, after: null }, EXPORT_STEP_BYTES),
  );
  await measure("backup: read-back verify step", what, () => verifyChunks(repo, slice.written.slice(0, VERIFY_STEP_CHUNKS)));
  // The chunks of the table's first load step, grouped as the restore groups them (fewer when rows are wide).
  const all = slice.tables[0]!.chunks;
  const first = loadSteps([{ index: 0, rows: slice.rows, chunks: all.length, raw_bytes: slice.raw_bytes }], LOAD_STEP_CHUNKS)[0]!;
  const chunks = all.slice(0, first.length);
  const manifest: TableManifest = {
    name: table.name,
    rows: chunks.reduce((n, c) => n + c.rows, 0),
    raw_bytes: chunks.reduce((n, c) => n + c.raw, 0),
    checksum: await tableChecksum(chunks.map((c) => c.sha256)),
    chunks,
  };
  const id = "memory_probe";
  await createStaging(target, id, [table]);
  await measure("restore: load step", `${what}, ${chunks.length} chunks`, () =>
    loadChunks(
      target,
      repo,
      chunks.map((_, ci) => ({ stage: stageName(id, 0), table: manifest, chunkIndex: ci })),
    ),
  );
  await measure("restore: verify staging step", what, () =>
    verifySlice(
      target,
      [stagingScanSpec(table, stageName(id, 0))],
      [manifest],
      repo.config.chunker,
      { table: 0, after: null, chunk: 0, rows: 0 },
      VERIFY_STEP_BYTES,
    ),
  );
  await dropStaging(target, id);
}

try {
  await stepsOver(env.OIDC_DB, await largestTable(env.OIDC_DB), "the provider's database", env.RESTORE_TARGET_DB);
  // Rows of 60 kB, incompressible: the widest rows D1 keeps in one statement's reach, 2,000 of them.
  const db = env.RESTORE_TARGET_DB;
  await db.batch([
    db.prepare("DROP TABLE IF EXISTS memory_wide_rows"),
    db.prepare("CREATE TABLE memory_wide_rows (id INTEGER PRIMARY KEY, v TEXT)"),
  ]);
  for (let i = 0; i < 2000; i += 100) {
    await db
      .prepare(
        "WITH RECURSIVE n(x) AS (SELECT ? UNION ALL SELECT x + 1 FROM n WHERE x < ?) INSERT INTO memory_wide_rows SELECT x, hex(randomblob(30000)) FROM n",
      )
      .bind(i + 1, i + 100)
      .run();
  }
  const wide = (await readSchema(db)).tables.find((t) => t.name === "memory_wide_rows")!;
  await stepsOver(db, { table: wide, rows: 2000 }, "rows of 60 kB", db);
  await db.prepare("DROP TABLE memory_wide_rows").run();
} finally {
  clearInterval(timer);
  await dispose();
}
