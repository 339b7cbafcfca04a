import type { SessionFeedHeader } from "../../schemas/sessions";
import { getCaptureState, recordBreak, saveCaptureState } from "../catalog/capture";
import { recordFeedSegment } from "../catalog/session-feed";
import type { Env } from "../env";
import { sha256Hex } from "../repo/bytes";
import { Layout } from "../repo/layout";
import { openRepository } from "../repo/open";
import type { Repository } from "../repo/repository";
import { copyToReplica } from "../replication/copy";
import { replicaOf } from "../replication/replica";
import type { ExportPage } from "./contract";
import { decodeFeedSegment, encodeFeedSegment } from "./feed-segment";
import { mapLimit } from "./limit";
import { type Mark, clearMarks, marksPage, marksTableExists } from "./marks";
import { feedStub, sessionRegistry } from "./objects";
import { CONCURRENCY, ENTRIES_PER_CALL } from "./export-sessions";
import { startSessionBackupAfterBreak } from "./after-break";

/** The feed's source in the catalog (change_segments, capture_state) and the repository (segments/SESSIONS/). */
export const FEED_SOURCE = "SESSIONS" as const;
/** Marks one page reads; objects are exported CONCURRENCY at a time. */
const MARKS_PER_PAGE = 200;
/** A segment closes after the object that takes it past this. */
export const FEED_SEGMENT_BYTES = 4 << 20;
/** One run stops reading new marks after this long (a backlog): the next run goes on. */
const RUN_BUDGET_MS = 20_000;
/**
 * The shipper's clock and the objects' may differ a little: coverage stays this far behind the run's start. (A write
 * is acknowledged only after its mark is written, so every write acknowledged before the run's start is marked.)
 */
export const CLOCK_MARGIN_MS = 1000;

export interface FeedShipResult {
  /** False when no object has ever marked itself (the provider's objects do not call `changed()`): nothing is covered. */
  on: boolean;
  segments: number;
  objects: number;
  deleted: number;
  last_seq: number;
  covered_until: number | null;
  more: boolean;
  /** An object that could not be shipped (its mark stays; the next run tries again). */
  failed: { name: string; error: string }[];
}

/**
 * Ships the session change feed (docs/SESSIONS.md, "The change feed"): every object marked changed is exported
 * through the contract's `vaultlineShip` (which clears its flag, so a later write marks it again) into sealed
 * segments, each read back before the catalog records it; then the marks shipped are removed, each only if no newer
 * mark replaced it. An object that left the registry is shipped as deleted. Callers serialise runs (the shipper
 * Durable Object). Safe to run twice: a segment written by a run that died before recording it is adopted.
 */
export async function shipSessionFeed(env: Env): Promise<FeedShipResult> {
  const began = Date.now();
  const result: FeedShipResult = {
    on: false,
    segments: 0,
    objects: 0,
    deleted: 0,
    last_seq: 0,
    covered_until: null,
    more: false,
    failed: [],
  };
  const registry = sessionRegistry(env);
  if (!registry || !(await marksTableExists(env.OIDC_DB))) return result;
  result.on = true;
  const db = env.CATALOG_DB;
  const repo = await openRepository(env);
  const prior = await getCaptureState(db, FEED_SOURCE);
  let seq = prior?.last_seq ?? 0;
  seq = await adoptOrphans(env, repo, seq);
  const state = { source: FEED_SOURCE, last_seq: seq, covered_until: prior?.covered_until ?? null, schema_fingerprint: null };
  if (!prior) {
    // Nothing was marked before the feed's first run: a base taken before it cannot be carried forward by the feed.
    await recordBreak(db, {
      source: FEED_SOURCE,
      after_seq: seq,
      kind: "gap",
      next_seq: seq + 1,
      // The instant it starts from: a session backup that started before it cannot be carried forward.
      known_until: began,
      detail: "the session change feed started: a session backup taken before it cannot be carried forward",
    });
    await saveCaptureState(db, state);
    await startSessionBackupAfterBreak(env, "the session change feed started");
  }
  const run = seq + 1;
  const header = (final: boolean): SessionFeedHeader => ({
    feed: "sessions",
    namespace: registry.namespace,
    run,
    covered_from: prior?.covered_until ?? null,
    covered_until: final ? began - CLOCK_MARGIN_MS : null,
  });

  let lines: string[] = [];
  let bytes = 0;
  let times = { first: Number.POSITIVE_INFINITY, last: 0 };
  let pending: Pick<Mark, "name" | "token">[] = [];
  // The feed's first run always writes a segment (with no lines if nothing is marked): its header, covered_from null,
  // is how a rebuilt catalog finds where the feed started.
  let mustWrite = !prior;
  const flush = async (final: boolean) => {
    if (!lines.length && !mustWrite) return;
    mustWrite = false;
    if (!lines.length) times = { first: began, last: began };
    seq++;
    const key = Layout.segment(FEED_SOURCE, seq, seq);
    const h = header(final);
    const plaintext = encodeFeedSegment(h, lines);
    const sha256 = await sha256Hex(plaintext);
    const put = await repo.putSegment(key, plaintext);
    await repo.getSegment(key, sha256); // read back through every check before the marks go
    await recordFeedSegment(db, FEED_SOURCE, {
      first_seq: seq,
      last_seq: seq,
      first_at: times.first,
      last_at: times.last,
      entries: lines.length,
      key,
      sha256,
      covered_from: h.covered_from,
      covered_until: h.covered_until,
      raw_bytes: plaintext.length,
      stored_bytes: put.written ? put.stored : 0,
    });
    const replica = replicaOf(env);
    if (replica) await copyToReplica(env.BACKUP_BUCKET, replica, [key]);
    state.last_seq = seq;
    if (final) state.covered_until = h.covered_until;
    await saveCaptureState(db, state);
    await clearMarks(env.OIDC_DB, registry.namespace, pending);
    result.segments++;
    lines = [];
    bytes = 0;
    pending = [];
    times = { first: Number.POSITIVE_INFINITY, last: 0 };
  };

  let after = "";
  for (;;) {
    const marks = await marksPage(env.OIDC_DB, registry, after, MARKS_PER_PAGE);
    const shipped = await mapLimit(marks, CONCURRENCY, (m) => shipObject(env, m));
    for (let i = 0; i < marks.length; i++) {
      const out = shipped[i]!;
      if ("error" in out) {
        result.failed.push({ name: marks[i]!.name, error: out.error });
        continue;
      }
      for (const l of out.lines) {
        lines.push(l.text);
        bytes += l.text.length;
        times = { first: Math.min(times.first, l.at), last: Math.max(times.last, l.at) };
      }
      pending.push(marks[i]!);
      if (out.deleted) result.deleted++;
      else result.objects++;
      if (bytes >= FEED_SEGMENT_BYTES) await flush(false);
    }
    if (marks.length < MARKS_PER_PAGE) break;
    after = marks.at(-1)!.name;
    if (Date.now() - began > RUN_BUDGET_MS) {
      result.more = true;
      break;
    }
  }
  // Coverage moves only when every mark was read and shipped: a backlog or a failed object holds it back.
  const complete = !result.more && result.failed.length === 0;
  if (lines.length || mustWrite) await flush(complete);
  else if (complete) {
    state.covered_until = began - CLOCK_MARGIN_MS;
    await saveCaptureState(db, state);
    // Segments already written this run carry no coverage; the next run's header starts from here.
  }
  result.last_seq = state.last_seq;
  result.covered_until = state.covered_until;
  return result;
}

/** One marked object's lines: its state page by page as it reads now, or its deletion. */
async function shipObject(env: Env, m: Mark): Promise<{ lines: { at: number; text: string }[]; deleted: boolean } | { error: string }> {
  if (!m.registered) {
    const at = Date.now();
    return { lines: [{ at, text: JSON.stringify({ o: m.name, at, deleted: true }) }], deleted: true };
  }
  try {
    const stub = feedStub(env, m.name);
    const lines: { at: number; text: string }[] = [];
    let cursor: string | null = null;
    let p = 0;
    do {
      const at = Date.now();
      const page = (await stub.vaultlineShip(cursor, ENTRIES_PER_CALL)) as ExportPage;
      cursor = page.cursor;
      lines.push({ at, text: JSON.stringify({ o: m.name, at, p: p++, last: cursor === null, e: page.entries }) });
    } while (cursor !== null);
    return { lines, deleted: false };
  } catch (e) {
    const message = (e as Error).message;
    return {
      error:
        /vaultlineShip/.test(message) || message.includes("is not a function")
          ? `the object does not implement vaultlineShip (docs/SESSIONS.md, "The change feed"): ${message}`
          : message,
    };
  }
}

/** A run that wrote segments and died before recording them: adopt each (read, checked, recorded) in order. */
async function adoptOrphans(env: Env, repo: Repository, lastSeq: number): Promise<number> {
  let seq = lastSeq;
  for (;;) {
    const key = Layout.segment(FEED_SOURCE, seq + 1, seq + 1);
    if (!(await env.BACKUP_BUCKET.head(key))) return seq;
    const plaintext = await repo.getSegment(key, null);
    const { header, lines } = decodeFeedSegment(key, plaintext);
    const ats = lines.length ? lines.map((l) => l.at) : [Date.now()];
    await recordFeedSegment(env.CATALOG_DB, FEED_SOURCE, {
      first_seq: seq + 1,
      last_seq: seq + 1,
      first_at: Math.min(...ats),
      last_at: Math.max(...ats),
      entries: lines.length,
      key,
      sha256: await sha256Hex(plaintext),
      covered_from: header.covered_from,
      // Its marks were not removed, so this run ships those objects again; its coverage is not claimed.
      covered_until: null,
      raw_bytes: plaintext.length,
      stored_bytes: 0,
    });
    seq++;
    await saveCaptureState(env.CATALOG_DB, {
      source: FEED_SOURCE,
      last_seq: seq,
      covered_until: (await getCaptureState(env.CATALOG_DB, FEED_SOURCE))?.covered_until ?? null,
      schema_fingerprint: null,
    });
  }
}
