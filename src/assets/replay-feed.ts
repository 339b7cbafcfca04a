import { AssetFeedLine } from "../../schemas/assets";
import type { FeedReplay } from "../../schemas/feed";
import type { AssetFilter } from "../../schemas/workflows";
import { feedSegmentsFrom } from "../catalog/feed-segments";
import { FEED_SOURCE } from "../feed/run";
import { decodeFeedSegment } from "../feed/segment";
import type { Repository } from "../repo/repository";
import { FEED_SEGMENTS_PER_STEP } from "../workflow-kit/step-budget";
import { matches, restoreObject } from "./restore-assets";

/** Where an asset feed replay stands: the segment, and the line within it. */
export interface FeedPosition {
  seq: number;
  line: number;
}

export interface AssetFeedStep {
  next: FeedPosition | null;
  objects: number;
  bytes: number;
  deleted: number;
}

/**
 * One step of carrying an asset restore forward with the change feed (docs/CAPTURE.md, "Files, continuously"): the
 * feed's lines from `from`, in order, each segment read and checked, until FEED_SEGMENTS_PER_STEP segments or
 * `budgetBytes` have been written. A line read at or after the base's start puts its object back from its parts
 * (checked against its SHA-256 first, as a backup's are) or, for a deletion, deletes the key in the target. Later lines
 * overwrite earlier ones, so each key ends as the feed last had it before the instant. Writes are idempotent.
 */
export async function replayAssetFeedStep(
  target: R2Bucket,
  db: D1Database,
  repo: Repository,
  feed: FeedReplay,
  filter: AssetFilter,
  from: FeedPosition,
  budgetBytes: number,
): Promise<AssetFeedStep> {
  const out: AssetFeedStep = { next: null, objects: 0, bytes: 0, deleted: 0 };
  const rows = await feedSegmentsFrom(db, FEED_SOURCE.assets, from.seq, feed.last_seq, FEED_SEGMENTS_PER_STEP);
  for (const row of rows) {
    const { lines } = decodeFeedSegment(row.key, await repo.getSegment(row.key, row.sha256), "assets", AssetFeedLine);
    for (let i = row.first_seq === from.seq ? from.line : 0; i < lines.length; i++) {
      const l = lines[i]!;
      if (l.at < feed.since_ms || !matches(filter, l.k)) continue;
      if ("deleted" in l) {
        await target.delete(l.k);
        out.deleted++;
      } else {
        await restoreObject(target, repo, l.entry);
        out.objects++;
        out.bytes += l.entry.size;
      }
      if (out.bytes >= budgetBytes) {
        out.next =
          i + 1 < lines.length
            ? { seq: row.first_seq, line: i + 1 }
            : row.first_seq < feed.last_seq
              ? { seq: row.first_seq + 1, line: 0 }
              : null;
        return out;
      }
    }
  }
  const last = rows.at(-1)?.first_seq ?? feed.last_seq;
  out.next = rows.length === FEED_SEGMENTS_PER_STEP && last < feed.last_seq ? { seq: last + 1, line: 0 } : null;
  return out;
}
