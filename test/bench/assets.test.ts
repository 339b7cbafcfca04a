// Run by `npm run bench` (not by `npm test`): asset backup and restore throughput inside workerd, next to the raw
// get -> put copy rate between two local buckets measured in the same run (the local limit).
import { applyD1Migrations, env } from "cloudflare:test";
import { it } from "vitest";
import { startBackup } from "../../src/backup/start";
import { getBackup } from "../../src/catalog/backups";
import { getRestore, insertRestore } from "../../src/catalog/restores";
import type { Env } from "../../src/env";
import { catchUpPage } from "../../src/replication/catch-up";
import { scrubPage } from "../../src/replication/scrub";
import { waitFor } from "../shared/wait";
import { openAssetManifest } from "../../src/repo/open";

const MB = 1e6;
const e = env as unknown as Env & { CATALOG_MIGRATIONS: Parameters<typeof applyD1Migrations>[1] };
const SMALL = Number(e.BENCH_ASSET_SMALL ?? 1000);
const LARGE = Number(e.BENCH_ASSET_LARGE ?? 3);

/**
 * Writes n random bytes (incompressible, like images and archives; a xorshift generator turned out compressible
 * by brotli) through a FixedLengthStream, never holding the object whole.
 */
async function putRandom(bucket: R2Bucket, key: string, n: number, seed: number): Promise<void> {
  const stream = new FixedLengthStream(n);
  const writer = stream.writable.getWriter();
  const put = bucket.put(key, stream.readable, {
    httpMetadata: { contentType: "application/octet-stream" },
    customMetadata: { seed: String(seed) },
  });
  for (let written = 0; written < n; ) {
    const block = new Uint8Array(Math.min(1 << 20, n - written));
    for (let at = 0; at < block.length; at += 65536) crypto.getRandomValues(block.subarray(at, Math.min(block.length, at + 65536)));
    await writer.write(block);
    written += block.length;
  }
  await writer.close();
  await put;
}

async function rawCopy(from: R2Bucket, to: R2Bucket): Promise<number> {
  let bytes = 0;
  let cursor: string | undefined;
  do {
    const page = await from.list({ cursor });
    for (const o of page.objects) {
      const got = (await from.get(o.key))!;
      const fixed = new FixedLengthStream(got.size);
      await Promise.all([got.body.pipeTo(fixed.writable), to.put(o.key, fixed.readable)]);
      bytes += got.size;
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return bytes;
}

async function backup(): Promise<{ ms: number; row: NonNullable<Awaited<ReturnType<typeof getBackup>>> }> {
  const t = performance.now();
  const id = await startBackup(e, { type: "assets", components: ["assets"], requested_by: "bench", trigger: "api" });
  const row = await waitFor(
    () => getBackup(e.CATALOG_DB, id),
    (b) => b?.status === "completed" || b?.status === "failed",
    1_800_000,
    200,
  );
  if (row!.status !== "completed") throw new Error(`asset backup failed: ${row!.error}`);
  return { ms: performance.now() - t, row: row! };
}

it("asset backup and restore throughput", async () => {
  await applyD1Migrations(e.CATALOG_DB, e.CATALOG_MIGRATIONS);
  const seedStart = performance.now();
  for (let i = 0; i < SMALL; i++) await putRandom(e.ASSETS_BUCKET, `avatars/${String(i).padStart(5, "0")}.bin`, 1_000_000, i + 1);
  for (let i = 0; i < LARGE; i++) await putRandom(e.ASSETS_BUCKET, `exports/large-${i}.bin`, 100_000_000, 10_000 + i);
  const seedMs = performance.now() - seedStart;
  const total = SMALL * 1_000_000 + LARGE * 100_000_000;

  const copyStart = performance.now();
  const copied = await rawCopy(e.ASSETS_BUCKET, e.BACKUP_REPLICA_BUCKET);
  const copyMs = performance.now() - copyStart;

  const first = await backup();
  const second = await backup();
  // The first backup's own split: streaming objects into sealed parts, then reading every part back to prove it.
  const split = (await openAssetManifest(e, first.row.id)).manifest.timings_ms;
  const timings = split.export !== undefined && split.verify !== undefined ? { export: split.export, verify: split.verify } : null;

  const t = performance.now();
  const id = "rs_bench_assets";
  await insertRestore(e.CATALOG_DB, {
    id,
    backup_id: first.row.id,
    components: ["assets"],
    target_environment: "test",
    target_binding: "RESTORE_TARGET_BUCKET",
    requested_by: "bench",
  });
  await e.ASSET_RESTORE.create({
    id,
    params: { restore_id: id, backup_id: first.row.id, target_binding: "RESTORE_TARGET_BUCKET", filter: {}, requested_by: "bench" },
  });
  const restored = await waitFor(
    () => getRestore(e.CATALOG_DB, id),
    (r) => r?.status === "completed" || r?.status === "failed",
    1_800_000,
    200,
  );
  const restoreMs = performance.now() - t;
  if (restored!.status !== "completed") throw new Error(`asset restore failed: ${restored!.error}`);

  // Replication and scrub of the repository those backups made, against the same raw copy rate. The raw copy's own
  // objects leave the replica first, so it holds only what replication puts there.
  for (const prefix of ["avatars/", "exports/"]) {
    for (
      let page = await e.BACKUP_REPLICA_BUCKET.list({ prefix });
      page.objects.length;
      page = await e.BACKUP_REPLICA_BUCKET.list({ prefix })
    ) {
      await e.BACKUP_REPLICA_BUCKET.delete(page.objects.map((o) => o.key));
    }
  }
  const tr = performance.now();
  let replicated = 0;
  for (let c: string | null | undefined; c !== null; ) {
    const page = await catchUpPage(e, e.BACKUP_REPLICA_BUCKET, c ?? undefined);
    replicated += page.bytes;
    c = page.cursor;
  }
  const replicateMs = performance.now() - tr;
  const ts = performance.now();
  let scrubbed = 0;
  for (let c: string | null | undefined; c !== null; ) {
    const page = await scrubPage(e, e.BACKUP_REPLICA_BUCKET, c ?? undefined);
    scrubbed += page.bytes;
    if (page.repaired.length || page.unrepairable.length)
      throw new Error(
        `scrub found damage in a fresh replica: ${JSON.stringify(page.repaired.concat(page.unrepairable as never[]).slice(0, 3))}`,
      );
    c = page.cursor;
  }
  const scrubMs = performance.now() - ts;

  const rate = (bytes: number, ms: number) => (bytes / MB / (ms / 1000)).toFixed(0);
  const lines = [
    `== assets: ${SMALL} x 1 MB + ${LARGE} x 100 MB = ${(total / MB).toFixed(0)} MB, random (incompressible)`,
    `seeded through the binding            ${(seedMs / 1000).toFixed(1)} s   ${rate(total, seedMs)} MB/s`,
    `raw get -> put copy, bucket to bucket ${(copyMs / 1000).toFixed(1)} s   ${rate(copied, copyMs)} MB/s   (the local limit)`,
    `asset backup, first                   ${(first.ms / 1000).toFixed(1)} s   ${rate(total, first.ms)} MB/s   ${(first.row.stored_bytes! / MB).toFixed(0)} MB stored`,
    `asset backup, unchanged second        ${(second.ms / 1000).toFixed(1)} s   ${(second.row.stored_bytes! / MB).toFixed(2)} MB stored (index and manifest only)`,
    `asset restore into RESTORE_TARGET_BUCKET ${(restoreMs / 1000).toFixed(1)} s   ${rate(total, restoreMs)} MB/s`,
    `ratio: first backup rate / raw copy rate      ${(copyMs / first.ms).toFixed(2)}   target >= 0.50`,
    ...(timings
      ? [
          `  of which: export ${(timings.export / 1000).toFixed(1)} s, read-back verification ${(timings.verify / 1000).toFixed(1)} s`,
          `ratio: export rate (before read-back) / raw copy rate ${(copyMs / timings.export).toFixed(2)}`,
        ]
      : []),
    `ratio: second backup time / first backup time ${(second.ms / first.ms).toFixed(3)}  target <= 0.10`,
    `ratio: restore rate / raw copy rate           ${(copyMs / restoreMs).toFixed(2)}`,
    `replication (catch-up) of the repository     ${(replicateMs / 1000).toFixed(1)} s   ${rate(replicated, replicateMs)} MB/s   ${(replicated / MB).toFixed(0)} MB, each copy verified`,
    `scrub of both copies (every byte read twice)  ${(scrubMs / 1000).toFixed(1)} s   ${(scrubbed / 1e9 / (scrubMs / 3_600_000)).toFixed(0)} GB/hour   ${(scrubbed / MB).toFixed(0)} MB read`,
    `ratio: replication rate / raw copy rate      ${(replicated / replicateMs / (copied / copyMs)).toFixed(2)}`,
    `ratio: scrub read rate / raw copy rate       ${(scrubbed / scrubMs / (copied / copyMs)).toFixed(2)}`,
    `== end`,
  ];
  console.log(`\n${lines.join("\n")}\n`);
});
