// Workflow limits as checks (issue 18): what one step of a backup or a restore does is set by its budget, not by the
// data: D1 calls (the platform allows 1,000 per invocation), R2 operations and the step's result (1 MiB at most),
// measured around the step functions the workflows call, against the real local D1 and R2. The bench prints the same
// figures for its 1M-user database (`npm run bench -- --only memory`).
import { describe, expect, it } from "vitest";
import { exportSlice, EXPORT_STEP_BYTES } from "../../src/backup/export-tables";
import { readSchema } from "../../src/db/schema";
import { CHUNKER } from "../../src/repo/repository-config";
import { openRepository } from "../../src/repo/open";
import { LOAD_STEP_STATEMENTS, loadChunks, loadSteps } from "../../src/restore/load";
import { createStaging, stageName } from "../../src/restore/staging";
import { beginSwap, cleanUpSwap, completeSwap, fillSwap } from "../../src/restore/swap";
import { openDatabaseManifest } from "../../src/repo/open";
import { LOAD_STEP_CHUNKS, SWAP_STEP_CALLS } from "../../src/workflow-kit/step-budget";
import { meteredD1, meteredR2, newMeter, resetMeter } from "../../scripts/lib/metered-bindings";
import { env, migrate, runBackup, seedWithEdgeCases } from "./helpers";

const D1_CALLS_PER_INVOCATION = 1_000;
const STEP_RESULT_BYTES = 1 << 20;
const size = (v: unknown) => JSON.stringify(v ?? null).length;

describe("one step's work is bounded by its budget", () => {
  it("export steps: D1 calls, R2 operations and the result grow with the step's bytes, not the table", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 400);
    const m = newMeter();
    const db = meteredD1(env.OIDC_DB, m);
    const repo = await openRepository({ ...env, BACKUP_BUCKET: meteredR2(env.BACKUP_BUCKET, m) });
    const { tables } = await readSchema(env.OIDC_DB);
    // A small budget, so the database takes several steps: each is one budget's worth.
    const budget = 256 << 10;
    const steps: { d1: number; r2: number; out: number; raw: number; chunks: number }[] = [];
    let pos: Parameters<typeof exportSlice>[3] | null = { table: 0, after: null };
    while (pos) {
      resetMeter(m);
      const r = await exportSlice(db, repo, tables, pos, budget);
      steps.push({ d1: m.d1, r2: m.r2, out: size(r), raw: r.raw_bytes, chunks: r.tables.reduce((n, t) => n + t.chunks.length, 0) });
      pos = r.next;
    }
    expect(steps.length).toBeGreaterThanOrEqual(3); // chunks are at least 1 MiB: a step ends after the first cut past its budget
    for (const s of steps) {
      // Reads: a few keyset pages per budget (plus one per table the step starts); writes: a few per chunk.
      expect(s.d1).toBeLessThanOrEqual(Math.ceil(s.raw / (64 << 10)) + tables.length + 4);
      expect(s.r2).toBeLessThanOrEqual(3 * s.chunks + 2);
    }
    // The result is a list of chunk references: at the production budget (64 MiB, chunks of at least 1 MiB but the
    // last of each table) a step lists at most 64 + tables of them.
    const perChunk = Math.max(...steps.filter((s) => s.chunks).map((s) => (s.out - 200) / s.chunks));
    expect((EXPORT_STEP_BYTES / CHUNKER.min + tables.length) * perChunk + 200).toBeLessThan(STEP_RESULT_BYTES / 4);
  });

  it("load steps group fewer chunks of wide rows, so a step's statements stay under the platform's queries", async () => {
    // 2,000 rows of 60 kB: one statement a row (too wide to inline), 133 a chunk of 8 MB.
    const wide = loadSteps([{ index: 0, rows: 2000, chunks: 15, raw_bytes: 2000 * 60_100 }], LOAD_STEP_CHUNKS);
    expect(Math.max(...wide.map((s) => s.length))).toBeLessThanOrEqual(Math.floor(LOAD_STEP_STATEMENTS / 133));
    expect(wide.flat()).toHaveLength(15);
    // Rows of about 100 bytes in 2 MB chunks: 50 statements a chunk, 16 chunks a step as before.
    const narrow = loadSteps([{ index: 0, rows: 640_000, chunks: 32, raw_bytes: 64 << 20 }], LOAD_STEP_CHUNKS);
    expect(narrow.map((s) => s.length)).toEqual([16, 16]);
    // And measured: loading real wide rows, a step's statements stay within its estimate.
    const db = env.RESTORE_TARGET_DB;
    await db.prepare("CREATE TABLE wide (id INTEGER PRIMARY KEY, v TEXT)").run();
    for (let i = 0; i < 120; i += 20)
      await db
        .prepare(
          "WITH RECURSIVE n(x) AS (SELECT ? UNION ALL SELECT x + 1 FROM n WHERE x < ?) INSERT INTO wide SELECT x, hex(randomblob(30050)) FROM n",
        )
        .bind(i + 1, i + 20)
        .run();
    const m = newMeter();
    const repo = await openRepository(env);
    const { tables } = await readSchema(db);
    const t = tables.find((x) => x.name === "wide")!;
    const slice = await exportSlice(db, repo, [t], { table: 0, after: null }, EXPORT_STEP_BYTES);
    const chunks = slice.tables[0]!.chunks;
    const manifest = { name: "wide", rows: 120, raw_bytes: slice.raw_bytes, checksum: "0".repeat(64), chunks };
    await createStaging(db, "rs_wide", [t]);
    for (const step of loadSteps([{ index: 0, rows: 120, chunks: chunks.length, raw_bytes: slice.raw_bytes }], LOAD_STEP_CHUNKS)) {
      resetMeter(m);
      await loadChunks(
        meteredD1(db, m),
        repo,
        step.map(([, ci]) => ({ stage: stageName("rs_wide", 0), table: manifest, chunkIndex: ci })),
      );
      expect(m.statements).toBeLessThanOrEqual(LOAD_STEP_STATEMENTS);
      expect(m.statements).toBeGreaterThanOrEqual(step.reduce((n, [, ci]) => n + chunks[ci]!.rows, 0)); // a statement a row
    }
  });

  it("load, fill and drop steps: a fixed number of D1 calls each, and a small result", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 150);
    const backup = await runBackup();
    const target = env.RESTORE_TARGET_DB;
    await migrate(target);
    await seedWithEdgeCases(target, 20);
    const { repo, manifest } = await openDatabaseManifest(env, backup.backup_id);
    const m = newMeter();
    const db = meteredD1(target, m);
    const id = "rs_limits";
    await createStaging(target, id, manifest.schema.tables);
    const work = manifest.tables.flatMap((t, ti) => t.chunks.map((_, ci) => ({ stage: stageName(id, ti), table: t, chunkIndex: ci })));
    for (let i = 0; i < work.length; i += LOAD_STEP_CHUNKS) {
      resetMeter(m);
      const batch = work.slice(i, i + LOAD_STEP_CHUNKS);
      await loadChunks(db, repo, batch);
      expect(m.d1).toBe(batch.length); // one transaction per chunk
      expect(m.statements).toBeLessThanOrEqual(batch.length * Math.ceil(CHUNKER.max / 60_000)); // statements of <= 90 KB
    }
    // The swap in steps of SWAP_STEP_CALLS calls, with slices small enough that the rows need many steps.
    resetMeter(m);
    const begun = await beginSwap(db, id, manifest.schema, { callRows: 5 });
    // Reading the target's schema and sampling row sizes: a few calls per table, none per row.
    expect(m.d1).toBeLessThanOrEqual(8 + 3 * manifest.schema.tables.length);
    let fills = 0;
    for (;;) {
      resetMeter(m);
      const f = await fillSwap(db, id, { callRows: 5, maxCalls: SWAP_STEP_CALLS });
      fills++;
      // Per call one read of the slice's end and one batch; one more read per table found full; the journal and the
      // key order once per step.
      expect(m.d1).toBeLessThanOrEqual(2 * SWAP_STEP_CALLS + manifest.schema.tables.length + 4);
      expect(size(f)).toBeLessThan(1024);
      if (f.done) break;
      expect(f.calls).toBe(SWAP_STEP_CALLS);
    }
    expect(fills).toBeGreaterThan(2);
    expect(size(begun)).toBeLessThan(1024);
    await completeSwap(db, id);
    for (;;) {
      resetMeter(m);
      const c = await cleanUpSwap(db, id, { maxCalls: 4 });
      expect(m.d1).toBeLessThanOrEqual(4 + 2 + 4 * 6); // the drops, the listing and foreign keys, a cycle's lookups
      if (c.done) break;
    }
    // Even a schema of 100 tables stays far inside the platform's calls per invocation.
    expect(2 * SWAP_STEP_CALLS + 100 + 4).toBeLessThan(D1_CALLS_PER_INVOCATION / 4);
  });
});
