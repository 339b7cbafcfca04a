import { CAPTURE_SOURCE } from "../capture/ship";
import type { Env } from "../env";
import { replicaOf } from "../replication/replica";
import { deleteSegmentRows, oldestKeptScanStart, prunableSegments } from "../catalog/retention";
import { oldestKeptStart, prunableFeedSegments } from "../catalog/feed-segments";
import { FEED_SOURCE } from "../feed/run";
import { COMPONENT_TYPE } from "../../schemas/api";
import type { Feed } from "../../schemas/feed";

const PAGE = 500;

/**
 * Change-log segments no kept backup can use (docs/RETENTION.md): every entry of them is at or before the scan start
 * of the oldest kept base, so no restore replays them, and point-in-time coverage starts at that base anyway. Only
 * segments shipped before the retention floor go (bucket locks hold younger ones). Objects first, then their catalog
 * rows: a crash in between leaves rows for a range nothing restores, which the next run removes.
 */
export async function pruneSegments(env: Env, floorDays: number): Promise<{ deleted: number; bytes: number; before_seq: number | null }> {
  const db = env.CATALOG_DB;
  const oldest = await oldestKeptScanStart(db);
  if (oldest === null) return { deleted: 0, bytes: 0, before_seq: null };
  const cutoff = new Date(Date.now() - floorDays * 86_400_000).toISOString();
  const results = await prunableSegments(db, CAPTURE_SOURCE, oldest, cutoff, PAGE);
  if (results.length === 0) return { deleted: 0, bytes: 0, before_seq: oldest };
  const keys = results.map((r) => r.key);
  await env.BACKUP_BUCKET.delete(keys);
  await replicaOf(env)?.delete(keys);
  await deleteSegmentRows(
    db,
    CAPTURE_SOURCE,
    results.map((r) => r.first_seq),
  );
  return { deleted: results.length, bytes: results.reduce((n, r) => n + r.stored_bytes, 0), before_seq: oldest };
}

/**
 * Change-feed segments (sessions, assets) no kept backup can use: every line of them was read before the oldest
 * kept backup of the component started, so that backup holds a newer state of each object. Shipped before the
 * retention floor only, objects first, then rows, like the database's. (Parts an asset segment named are chunks:
 * the mark phase keeps those of the segments that remain.)
 */
export async function pruneFeedSegments(
  env: Env,
  feed: Feed,
  floorDays: number,
): Promise<{ deleted: number; bytes: number; before: string | null }> {
  const db = env.CATALOG_DB;
  const source = FEED_SOURCE[feed];
  const oldest = await oldestKeptStart(db, COMPONENT_TYPE[feed]);
  if (oldest === null) return { deleted: 0, bytes: 0, before: null };
  const cutoff = new Date(Date.now() - floorDays * 86_400_000).toISOString();
  const results = await prunableFeedSegments(db, source, oldest, cutoff, PAGE);
  const before = new Date(oldest).toISOString();
  if (results.length === 0) return { deleted: 0, bytes: 0, before };
  const keys = results.map((r) => r.key);
  await env.BACKUP_BUCKET.delete(keys);
  await replicaOf(env)?.delete(keys);
  await deleteSegmentRows(
    db,
    source,
    results.map((r) => r.first_seq),
  );
  return { deleted: results.length, bytes: results.reduce((n, r) => n + r.stored_bytes, 0), before };
}
