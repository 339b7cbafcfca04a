import { AssetFeedLine } from "../../schemas/assets";
import {
  type WatchRow,
  applyWatch,
  assetMarks,
  clearAssetMarks,
  getFeedPass,
  saveFeedPass,
  watchOf,
  watchRange,
} from "../catalog/asset-watch";
import type { Env } from "../env";
import { CLOCK_MARGIN_MS, FEED_SEGMENT_BYTES, FEED_SOURCE, FeedRun } from "../feed/run";
import { Layout } from "../repo/layout";
import { openRepository } from "../repo/open";
import type { Repository } from "../repo/repository";
import { copyObject } from "./export-assets";

const SOURCE = FEED_SOURCE.assets;
/** Keys R2 listed per page; the pass compares the watch rows of the same key range. */
const LIST_PAGE = 1000;
/** Event marks one run handles at most. */
const MARKS_PER_RUN = 500;
/** A run stops starting new pages after this long, this many pages or this many bytes copied: the next run goes on. */
const RUN_BUDGET_MS = 20_000;
const RUN_PAGES = 100;
const RUN_BYTES = 256 << 20;

export interface AssetFeedResult {
  /** True while the feed's first pass only records what the bucket holds (nothing is claimed until it ends). */
  seeding: boolean;
  segments: number;
  copied: number;
  copied_bytes: number;
  deleted: number;
  /** Event marks handled this run (R2 event notifications, src/assets/events.ts). */
  from_events: number;
  last_seq: number;
  covered_until: number | null;
  /** The listing pass did not end this run (a large bucket or a backlog): the next run goes on. */
  more: boolean;
}

/** What a recorded segment makes true: the watch follows the objects shipped. */
type Done = { key: string; row: WatchRow | null };

/**
 * Ships the asset change feed (docs/CAPTURE.md, "Files, continuously"). A listing comparison: R2's listing, page by
 * page, against what the last pass saw (`asset_watch`); a new or changed object (etag or size) is copied into the
 * repository part by part (parts are chunks, deduplicated with asset backups, each read back) and a line naming them
 * goes into a sealed segment; an object gone from the listing is shipped as deleted. Keys that R2 event notifications
 * named since the last run are compared first, so with notifications on a change ships at the next run. The watch
 * moves only once the segment is recorded; a pass covers every write acknowledged before it started. The feed's first
 * pass only records what exists, then the feed starts (a break: an asset backup starts, and backups from before it are
 * not carried forward). Callers serialise runs (the shipper Durable Object).
 */
export async function shipAssetFeed(env: Env): Promise<AssetFeedResult> {
  const db = env.CATALOG_DB;
  const began = Date.now();
  const pass = (await getFeedPass(db, SOURCE)) ?? { after_key: null, started_at: null, seeding: true };
  const out: AssetFeedResult = {
    seeding: pass.seeding,
    segments: 0,
    copied: 0,
    copied_bytes: 0,
    deleted: 0,
    from_events: 0,
    last_seq: 0,
    covered_until: null,
    more: false,
  };
  if (pass.started_at === null) pass.started_at = began;
  const repo = await openRepository(env);

  if (pass.seeding) {
    const done = await comparePages(env, repo, pass, began, null, out);
    if (!done) {
      out.more = true;
      return out;
    }
    // The first pass is over: the feed starts now, with an empty first segment saying so.
    const now = Date.now();
    const run = await FeedRun.open<Done>(env, repo, "assets", AssetFeedLine, { starting: true, startAt: now });
    await run.finish(true, now - CLOCK_MARGIN_MS);
    await saveFeedPass(db, SOURCE, { after_key: null, started_at: null, seeding: false });
    return { ...out, seeding: false, segments: run.segments, last_seq: run.lastSeq, covered_until: run.coveredUntil };
  }

  const run = await FeedRun.open<Done>(env, repo, "assets", AssetFeedLine, {
    starting: false,
    onRecorded: (done) =>
      applyWatch(
        db,
        done.flatMap((d) => (d.row ? [d.row] : [])),
        done.flatMap((d) => (d.row ? [] : [d.key])),
      ),
  });
  // Keys named by event notifications first: a change ships at this run, not when the pass reaches it.
  const marks = await assetMarks(db, MARKS_PER_RUN);
  for (const m of marks) {
    if (await compare(env, repo, run, m.key, await env.ASSETS_BUCKET.head(m.key), await watchOf(db, m.key), out)) out.from_events++;
  }
  await run.flush();
  await clearAssetMarks(db, marks);

  const done = await comparePages(env, repo, pass, began, run, out);
  out.more = !done;
  // A pass that ended covers every write acknowledged before it started.
  await run.finish(done, done ? pass.started_at! - CLOCK_MARGIN_MS : undefined);
  await saveFeedPass(db, SOURCE, done ? { after_key: null, started_at: null, seeding: false } : pass);
  return { ...out, segments: run.segments, last_seq: run.lastSeq, covered_until: run.coveredUntil };
}

/**
 * The listing pass from where it stands, page by page, within the run's budget. Seeding (`run` null) records what
 * it sees; otherwise differences are shipped through `run`, and the pass's position is saved after each page's
 * segment is recorded. True when the pass reached the end of the bucket.
 */
async function comparePages(
  env: Env,
  repo: Repository,
  pass: { after_key: string | null; started_at: number | null; seeding: boolean },
  began: number,
  run: FeedRun<Done> | null,
  out: AssetFeedResult,
): Promise<boolean> {
  const db = env.CATALOG_DB;
  for (let pages = 0; pages < RUN_PAGES; pages++) {
    if (Date.now() - began > RUN_BUDGET_MS || out.copied_bytes > RUN_BYTES) return false;
    const page = await env.ASSETS_BUCKET.list({ limit: LIST_PAGE, ...(pass.after_key !== null ? { startAfter: pass.after_key } : {}) });
    const through = page.truncated ? (page.objects.at(-1)?.key ?? null) : null;
    // Watch rows in the same range (to the end on the last page), read in bounded slices.
    const watched = new Map<string, WatchRow>();
    for (let from = pass.after_key; ; ) {
      const rows = await watchRange(db, from, through, 5000);
      for (const r of rows) watched.set(r.key, r);
      if (rows.length < 5000) break;
      from = rows.at(-1)!.key;
    }
    if (!run) {
      const listed = new Set(page.objects.map((o) => o.key));
      await applyWatch(
        db,
        page.objects.map((o) => ({ key: o.key, etag: o.etag, size: o.size })),
        [...watched.keys()].filter((k) => !listed.has(k)),
      );
    } else {
      for (const o of page.objects) {
        await compare(env, repo, run, o.key, o, watched.get(o.key) ?? null, out);
        watched.delete(o.key);
      }
      for (const gone of watched.values()) await compare(env, repo, run, gone.key, null, gone, out);
      await run.flush();
    }
    pass.after_key = through;
    await saveFeedPass(db, SOURCE, pass);
    if (!page.truncated) return true;
  }
  return false;
}

/** Ships one key when the bucket differs from the watch: the object copied, or its deletion. True when it shipped. */
async function compare(
  env: Env,
  repo: Repository,
  run: FeedRun<Done>,
  key: string,
  now: Pick<R2Object, "etag" | "size"> | null,
  watched: WatchRow | null,
  out: AssetFeedResult,
): Promise<boolean> {
  if (now && watched && now.etag === watched.etag && now.size === watched.size) return false;
  if (!now && !watched) return false;
  const at = Date.now();
  const copied = now ? await copyObject(env.ASSETS_BUCKET, repo, key) : null;
  if (copied) {
    // Every part written is read back (digest, decryption, id) before a segment names it.
    for (const id of copied.written) await repo.getChunk(id);
    run.add(
      JSON.stringify({ k: key, at, entry: copied.entry }),
      at,
      { key, row: { key, etag: copied.entry.etag, size: copied.entry.size } },
      copied.written.map(Layout.chunk),
    );
    out.copied++;
    out.copied_bytes += copied.entry.size;
  } else if (watched) {
    run.add(JSON.stringify({ k: key, at, deleted: true }), at, { key, row: null });
    out.deleted++;
  } else return false;
  if (run.pendingBytes >= FEED_SEGMENT_BYTES) await run.flush();
  return true;
}
