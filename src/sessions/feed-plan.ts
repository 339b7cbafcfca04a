import type { SessionFeedReplay } from "../../schemas/sessions";
import { type BackupRow, getBackup, latestCompleted } from "../catalog/backups";
import { completedPoints } from "../catalog/backup-instants";
import { getCaptureState, listBreaks } from "../catalog/capture";
import { feedWindow } from "../catalog/session-feed";
import type { Env } from "../env";
import { FEED_SOURCE } from "./ship-feed";

/**
 * Where a session restore to `at` (ms) lands from its base backup (docs/SESSIONS.md, "Restoring to an instant"):
 * the base alone reaches its completion; the change feed carries it further when the feed ran, unbroken, from
 * before the base started. The segments applied are those read at or after the base's start and before the first
 * read after the instant; the instant reached is where the runs before that one had covered (every change
 * acknowledged before it is in the restored state), or the feed's newest coverage.
 */
export async function planSessionFeed(
  env: Env,
  base: BackupRow,
  at: number,
): Promise<{ feed?: SessionFeedReplay; reached: number; segments: number }> {
  const db = env.CATALOG_DB;
  const baseReached = Date.parse(base.completed_at!);
  const since = Date.parse(base.started_at ?? base.completed_at!);
  const state = await getCaptureState(db, FEED_SOURCE);
  if (!state) return { reached: baseReached, segments: 0 };
  // The feed carries a base forward only when it ran from before the base started: a break at or after the base's
  // start (the feed starting, there being no other kind yet) means changes may have gone unmarked since.
  const broken = (await listBreaks(db, FEED_SOURCE)).some((b) => b.known_until >= since);
  const limit = broken ? since : at;
  if (limit <= baseReached) return { reached: baseReached, segments: 0 };
  const w = await feedWindow(db, FEED_SOURCE, since, limit);
  const reachedByFeed = Math.min(limit, (w.next ? w.next.covered_from : state.covered_until) ?? 0);
  if (reachedByFeed <= baseReached) return { reached: baseReached, segments: 0 };
  const last = w.next ? w.next.seq - 1 : w.newest;
  if (w.first === null || last === null || last < w.first) return { reached: reachedByFeed, segments: 0 };
  return {
    feed: { first_seq: w.first, last_seq: last, since_ms: since, reached_ms: reachedByFeed },
    reached: reachedByFeed,
    segments: last - w.first + 1,
  };
}

/**
 * The newest instant a session restore can reach now (ms): the newest session backup carried forward by the change
 * feed. Null without a completed session backup. What health's, the alerts' and the dashboard's session RPO measure.
 */
export async function sessionsRestorableUntil(env: Env): Promise<{ base: BackupRow; reached: number } | null> {
  const base = await latestCompleted(env.CATALOG_DB, "sessions");
  if (!base) return null;
  return { base, reached: (await planSessionFeed(env, base, Date.now())).reached };
}

/**
 * The stretches the change feed made restorable, from each of the newest session backups (at most `limit`): from
 * the backup's completion to the instant the feed carries it, as of `until` (ms). What the compliance report counts.
 */
export async function sessionFeedRanges(env: Env, until: number, limit = 100): Promise<{ from: number; to: number }[]> {
  const out: { from: number; to: number }[] = [];
  for (const p of await completedPoints(env.CATALOG_DB, "sessions", limit)) {
    const base = await getBackup(env.CATALOG_DB, p.backup_id);
    if (!base) continue;
    const from = Date.parse(p.at);
    const { reached } = await planSessionFeed(env, base, until);
    if (reached > from) out.push({ from, to: reached });
  }
  return out;
}
