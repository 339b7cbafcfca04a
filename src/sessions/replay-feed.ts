import { SessionFeedLine } from "../../schemas/sessions";
import type { FeedReplay } from "../../schemas/feed";
import type { SessionRestoreOptions } from "../../schemas/workflows";
import { feedSegmentsFrom } from "../catalog/feed-segments";
import type { Env } from "../env";
import type { Repository } from "../repo/repository";
import { FEED_SEGMENTS_PER_STEP } from "../workflow-kit/step-budget";
import { type StateEntry, markChanged, registerObject, unregisterObject } from "./contract";
import { decodeFeedSegment } from "../feed/segment";
import { FEED_SOURCE } from "../feed/run";
import { mapLimit } from "./limit";
import { CONCURRENCY } from "./export-sessions";
import { sessionRegistry, sessionStub } from "./objects";

export interface FeedReplayStep {
  /** The next segment to apply, or null when the replay is done. */
  next: number | null;
  segments: number;
  objects: number;
  deleted: number;
}

/**
 * One step of carrying a session restore forward with the change feed (docs/SESSIONS.md, "Restoring to an instant"):
 * up to FEED_SEGMENTS_PER_STEP segments from `from`, in order, each read and checked. Every object page read at or
 * after the base's start is imported (an object's pages may continue into the run's next segment; its last page
 * commits it atomically, so each object ends at its newest state in the feed); a deletion empties the object. A
 * retried step imports the same pages again under the same import id: the result is the same.
 */
export async function replayFeedStep(
  env: Env,
  repo: Repository,
  restoreId: string,
  feed: FeedReplay,
  opts: SessionRestoreOptions,
  from: number,
): Promise<FeedReplayStep> {
  const out: FeedReplayStep = { next: null, segments: 0, objects: 0, deleted: 0 };
  const rows = await feedSegmentsFrom(env.CATALOG_DB, FEED_SOURCE.sessions, from, feed.last_seq, FEED_SEGMENTS_PER_STEP);
  const registry = sessionRegistry(env);
  const now = Date.now();
  for (const row of rows) {
    const { header, lines } = decodeFeedSegment(row.key, await repo.getSegment(row.key, row.sha256), "sessions", SessionFeedLine);
    const byObject = new Map<string, SessionFeedLine[]>();
    for (const l of lines) {
      if (l.at < feed.since_ms || (opts.objects && !opts.objects.includes(l.o))) continue;
      byObject.set(l.o, [...(byObject.get(l.o) ?? []), l]);
    }
    const written: string[] = [];
    await mapLimit([...byObject], CONCURRENCY, async ([name, pages]) => {
      const target = opts.name_prefix + name;
      const stub = sessionStub(env, target);
      for (const l of pages) {
        if ("deleted" in l) {
          // Emptied by an import of nothing rather than discarded: the object keeps its tables (its constructor made
          // them), so a later restore can write it again without waiting for the object to be evicted.
          await stub.vaultlineImport({ restoreId: `${restoreId}:${header.run}:deleted`, entries: [], final: true });
          if (!opts.name_prefix && registry) await unregisterObject(env.OIDC_DB, registry.namespace, target, registry.table);
          out.deleted++;
          continue;
        }
        await stub.vaultlineImport({
          restoreId: `${restoreId}:${header.run}`,
          entries: l.e as StateEntry[],
          final: l.last,
          ...(l.last && opts.skip_expired ? { skipExpiredBefore: now } : {}),
        });
        if (l.last) {
          if (!opts.name_prefix && registry) await registerObject(env.OIDC_DB, registry.namespace, target, registry.table);
          written.push(target);
          out.objects++;
        }
      }
    });
    // Production objects a restore wrote are shipped again by the feed: their restored state is the newest.
    if (!opts.name_prefix && registry && written.length) await markChanged(env.OIDC_DB, registry.namespace, written);
    out.segments++;
  }
  const last = rows.at(-1)?.first_seq ?? feed.last_seq;
  out.next = rows.length === FEED_SEGMENTS_PER_STEP && last < feed.last_seq ? last + 1 : null;
  return out;
}
