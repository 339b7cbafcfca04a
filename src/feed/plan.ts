import type { Feed, FeedReplay } from "../../schemas/feed";
import { type BackupRow, getBackup, latestCompleted } from "../catalog/backups";
import { completedPoints } from "../catalog/backup-instants";
import { getCaptureState, listBreaks } from "../catalog/capture";
import { feedWindow } from "../catalog/feed-segments";
import type { Env } from "../env";
import { COMPONENT_TYPE } from "../../schemas/api";
import { FEED_SOURCE } from "./run";

/**
 * Where a restore of a feed's component to `at` (ms) lands from its base backup (docs/SESSIONS.md and
 * docs/CAPTURE.md, "Files, continuously"): the base alone reaches its completion; the change feed carries it
 * further when the feed ran, unbroken, from before the base started. The segments applied are those read at or after
 * the base's start and before the first holding a read after the instant; the instant reached is where the runs
 * before that one had covered (every change acknowledged before it is in the restored state), or the feed's newest
 * coverage.
 */
export async function planFeed(env: Env, feed: Feed, base: BackupRow, at: number): Promise<{ replay?: FeedReplay; reached: number }> {
  const db = env.CATALOG_DB;
  const source = FEED_SOURCE[feed];
  const baseReached = Date.parse(base.completed_at!);
  const since = Date.parse(base.started_at ?? base.completed_at!);
  const state = await getCaptureState(db, source);
  if (state?.covered_until == null) return { reached: baseReached };
  // The feed carries a base forward only when it ran from before the base started: a break at or after the base's
  // start (the feed starting) means changes may have gone unshipped since.
  if ((await listBreaks(db, source)).some((b) => b.known_until >= since)) return { reached: baseReached };
  const w = await feedWindow(db, source, since, at);
  const reached = Math.min(at, (w.next ? w.next.covered_from : state.covered_until) ?? 0);
  if (reached <= baseReached) return { reached: baseReached };
  const last = w.next ? w.next.seq - 1 : w.newest;
  if (w.first === null || last === null || last < w.first) return { reached };
  return { replay: { first_seq: w.first, last_seq: last, since_ms: since, reached_ms: reached }, reached };
}

/**
 * The newest instant a restore of the feed's component can reach now (ms): its newest backup carried forward by the
 * change feed. Null without a completed backup. What health's, the alerts' and the dashboard's RPO measure.
 */
export async function feedRestorableUntil(env: Env, feed: Feed): Promise<{ base: BackupRow; reached: number } | null> {
  const base = await latestCompleted(env.CATALOG_DB, COMPONENT_TYPE[feed]);
  if (!base) return null;
  return { base, reached: (await planFeed(env, feed, base, Date.now())).reached };
}

/**
 * The stretches the change feed made restorable from each of the newest backups (at most `limit`): from the backup's
 * completion to the instant the feed carries it, as of `until` (ms). What the compliance report counts.
 */
export async function feedRanges(env: Env, feed: Feed, until: number, limit = 100): Promise<{ from: number; to: number }[]> {
  const out: { from: number; to: number }[] = [];
  for (const p of await completedPoints(env.CATALOG_DB, COMPONENT_TYPE[feed], limit)) {
    const base = await getBackup(env.CATALOG_DB, p.backup_id);
    if (!base) continue;
    const from = Date.parse(p.at);
    const { reached } = await planFeed(env, feed, base, until);
    if (reached > from) out.push({ from, to: reached });
  }
  return out;
}
