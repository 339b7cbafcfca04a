import { parseAnyManifest } from "../catalog/manifest-facts";
import type { Env } from "../env";
import { Layout } from "../repo/layout";
import type { Repository } from "../repo/repository";
import { chunkRefs } from "./references";
import { coldBackupIds, insertMarks } from "../catalog/retention";
import { feedSegmentsFrom } from "../catalog/feed-segments";
import { AssetFeedLine } from "../../schemas/assets";
import { FEED_SOURCE } from "../feed/run";
import { decodeFeedSegment } from "../feed/segment";

/** Manifests one mark step reads. */
export const MARK_MANIFESTS_PER_STEP = 20;

/**
 * Mark phase: every manifest in the bucket (the backups that exist, whatever the catalog says) adds the chunks it
 * references to `prune_marks` for this run. One page of manifests a call; `cursor` continues the listing.
 */
export async function markPage(
  env: Env,
  repo: Repository,
  runId: string,
  cursor: string | undefined,
  iaAfterDays: number | undefined,
): Promise<{ cursor: string | null; manifests: number; refs: number }> {
  const page = await env.BACKUP_BUCKET.list({ prefix: Layout.manifestPrefix, cursor, limit: MARK_MANIFESTS_PER_STEP });
  const ids = page.objects.map((o) => o.key.slice(Layout.manifestPrefix.length));
  const cold = await coldBackups(env.CATALOG_DB, ids, iaAfterDays);
  let refs = 0;
  for (const id of ids) {
    const manifest = parseAnyManifest(await repo.getManifestJson(id));
    const hot = !cold.has(id);
    let batch: string[] = [];
    const flush = async () => {
      if (batch.length) await insertMarks(env.CATALOG_DB, runId, batch, hot);
      refs += batch.length;
      batch = [];
    };
    for await (const chunk of chunkRefs(repo, manifest)) {
      batch.push(chunk);
      if (batch.length >= 2000) await flush();
    }
    await flush();
  }
  return { cursor: page.truncated ? page.cursor : null, manifests: page.objects.length, refs };
}

/**
 * Backups whose chunks may go to InfrequentAccess: monthly archives (and their components), and backups completed
 * more than `iaAfterDays` ago. A backup the catalog does not know (yet) counts as hot: Standard is the safe default.
 */
async function coldBackups(db: D1Database, ids: string[], iaAfterDays: number | undefined): Promise<Set<string>> {
  const cutoff = iaAfterDays === undefined ? "" : new Date(Date.now() - iaAfterDays * 86_400_000).toISOString();
  return new Set(await coldBackupIds(db, ids, cutoff));
}

/** Asset change-feed segments one mark step reads. */
export const MARK_FEED_SEGMENTS_PER_STEP = 50;

/**
 * Mark phase, the asset change feed: every part its segments name (docs/FORMAT.md, "Change-feed segments") is a chunk
 * a restore to an instant may need, so it is marked like a backup's (hot: the feed is recent). Session feed segments
 * hold their state inline and name no chunk. One page of segments a call, in order; `cursor` is the next number.
 */
export async function markFeedPage(
  env: Env,
  repo: Repository,
  runId: string,
  cursor: string | undefined,
): Promise<{ cursor: string | null; segments: number; refs: number }> {
  const from = cursor ? Number(cursor) : 0;
  const rows = await feedSegmentsFrom(env.CATALOG_DB, FEED_SOURCE.assets, from, Number.MAX_SAFE_INTEGER, MARK_FEED_SEGMENTS_PER_STEP);
  let refs = 0;
  for (const row of rows) {
    const { lines } = decodeFeedSegment(row.key, await repo.getSegment(row.key, row.sha256), "assets", AssetFeedLine);
    const parts = lines.flatMap((l) => ("entry" in l ? l.entry.parts.map((p) => p.id) : []));
    for (let i = 0; i < parts.length; i += 2000) await insertMarks(env.CATALOG_DB, runId, parts.slice(i, i + 2000), true);
    refs += parts.length;
  }
  const next = rows.length === MARK_FEED_SEGMENTS_PER_STEP ? String(rows.at(-1)!.first_seq + 1) : null;
  return { cursor: next, segments: rows.length, refs };
}
