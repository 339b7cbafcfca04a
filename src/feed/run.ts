import type { z } from "zod";
import type { Feed, FeedHeader } from "../../schemas/feed";
import { type CaptureStateRow, getCaptureState, recordBreak, recordSegment, saveCaptureState } from "../catalog/capture";
import { backupAfterBreak } from "../capture/after-break";
import type { Env } from "../env";
import { sha256Hex } from "../repo/bytes";
import { Layout } from "../repo/layout";
import type { Repository } from "../repo/repository";
import { copyToReplica } from "../replication/copy";
import { replicaOf } from "../replication/replica";
import { encodeFeedSegment, feedSegmentRow } from "./segment";

/** Where each feed's segments and state live: the catalog's source and the repository's `segments/<source>/`. */
export const FEED_SOURCE: Record<Feed, string> = { sessions: "SESSIONS", assets: "ASSETS_BUCKET" };
/** A segment closes after the entry that takes it past this. */
export const FEED_SEGMENT_BYTES = 4 << 20;
/**
 * The shipper's clock and the writers' may differ a little: coverage stays this far behind a run's start. (A session
 * write is acknowledged only after its mark is written; an R2 write is listed once acknowledged.)
 */
export const CLOCK_MARGIN_MS = 1000;

/**
 * One run of a change feed's shipper (docs/FORMAT.md, "Change-feed segments"): lines accumulate and are written as
 * sealed segments, each read back before the catalog records it; what the caller attached to the lines of a segment
 * (removing the marks they shipped, say) runs only once that segment is recorded. The run's last segment carries its
 * coverage. A segment written by a run that died before recording it is adopted first.
 */
export class FeedRun<T = never> {
  private lines: string[] = [];
  private bytes = 0;
  private first = Number.POSITIVE_INFINITY;
  private last = 0;
  private done: T[] = [];
  private replicate: string[] = [];
  /** The feed's first run writes a segment even with no lines: its header (covered_from null) says where the feed began. */
  private mustWrite: boolean;
  segments = 0;

  private constructor(
    private readonly env: Env,
    private readonly repo: Repository,
    readonly feed: Feed,
    readonly began: number,
    private readonly state: Omit<CaptureStateRow, "last_ship_at" | "last_error">,
    private readonly header: Omit<FeedHeader, "covered_until">,
    first: boolean,
    private readonly onRecorded: (items: T[]) => Promise<void>,
  ) {
    this.mustWrite = first;
  }

  /** Opens a run: the feed's state, orphans adopted. `starting`: the feed begins (its first run), at `startAt` (default now). */
  static async open<T = never>(
    env: Env,
    repo: Repository,
    feed: Feed,
    line: z.ZodType,
    opts: { namespace?: string; starting: boolean; startAt?: number; onRecorded?: (items: T[]) => Promise<void> },
  ): Promise<FeedRun<T>> {
    const began = Date.now();
    const source = FEED_SOURCE[feed];
    const prior = await getCaptureState(env.CATALOG_DB, source);
    const seq = await adoptOrphans(env, repo, feed, line, prior?.last_seq ?? 0);
    const state = {
      source,
      last_seq: seq,
      covered_until: prior?.covered_until ?? null,
      schema_fingerprint: prior?.schema_fingerprint ?? null,
    };
    const header = {
      feed,
      ...(opts.namespace !== undefined ? { namespace: opts.namespace } : {}),
      run: seq + 1,
      covered_from: opts.starting ? null : state.covered_until,
    };
    if (opts.starting) await feedStarted(env, feed, opts.startAt ?? began);
    return new FeedRun<T>(env, repo, feed, began, state, header, opts.starting, opts.onRecorded ?? (async () => undefined));
  }

  get coveredUntil(): number | null {
    return this.state.covered_until;
  }
  get lastSeq(): number {
    return this.state.last_seq;
  }
  get pendingBytes(): number {
    return this.bytes;
  }

  /**
   * Adds a line read at `at`. `done` goes to `onRecorded` once the segment holding the line is recorded (the marks it
   * shipped, say); `objects` (the parts it names) are replicated with the segment.
   */
  add(text: string, at: number, done?: T, objects: string[] = []): void {
    this.lines.push(text);
    this.bytes += text.length;
    this.first = Math.min(this.first, at);
    this.last = Math.max(this.last, at);
    if (done !== undefined) this.done.push(done);
    this.replicate.push(...objects);
  }

  /** Writes what is buffered as a segment (a run's last one with `coveredUntil`: the coverage it reached). */
  async flush(coveredUntil: number | null = null): Promise<void> {
    if (!this.lines.length && !this.mustWrite) return;
    this.mustWrite = false;
    const seq = this.state.last_seq + 1;
    const source = FEED_SOURCE[this.feed];
    const key = Layout.segment(source, seq, seq);
    const header: FeedHeader = { ...this.header, covered_until: coveredUntil };
    const plaintext = encodeFeedSegment(header, this.lines);
    const sha256 = await sha256Hex(plaintext);
    const put = await this.repo.putSegment(key, plaintext);
    await this.repo.getSegment(key, sha256); // read back through every check before anything depends on it
    const empty = !this.lines.length;
    await recordSegment(this.env.CATALOG_DB, source, {
      first_seq: seq,
      last_seq: seq,
      first_at: empty ? this.began : this.first,
      last_at: empty ? this.began : this.last,
      entries: this.lines.length,
      key,
      sha256,
      covered_from: header.covered_from,
      covered_until: coveredUntil,
      raw_bytes: plaintext.length,
      stored_bytes: put.written ? put.stored : 0,
    });
    const replica = replicaOf(this.env);
    if (replica) await copyToReplica(this.env.BACKUP_BUCKET, replica, [...this.replicate, key]);
    this.state.last_seq = seq;
    if (coveredUntil !== null) this.state.covered_until = coveredUntil;
    await saveCaptureState(this.env.CATALOG_DB, this.state);
    if (this.done.length) await this.onRecorded(this.done);
    this.segments++;
    this.lines = [];
    this.bytes = 0;
    this.first = Number.POSITIVE_INFINITY;
    this.last = 0;
    this.done = [];
    this.replicate = [];
  }

  /** Ends the run. `complete`: everything due was read and shipped, so coverage reaches the run's start (less the margin). */
  async finish(complete: boolean, coveredUntil = this.began - CLOCK_MARGIN_MS): Promise<void> {
    if (this.lines.length || this.mustWrite) return this.flush(complete ? coveredUntil : null);
    if (complete) {
      this.state.covered_until = coveredUntil;
      await saveCaptureState(this.env.CATALOG_DB, this.state);
    }
  }
}

/**
 * A feed beginning (or beginning again): nothing was shipped before, so a backup that started earlier cannot be
 * carried forward by it. Recorded as a break at `at`, and a backup of the component starts at once so one exists to
 * carry forward (unless one is running, or BACKUP_AFTER_BREAK=false: the test suite, where each test decides).
 */
export async function feedStarted(env: Env, feed: Feed, at: number): Promise<string | null> {
  const source = FEED_SOURCE[feed];
  const state = await getCaptureState(env.CATALOG_DB, source);
  await recordBreak(env.CATALOG_DB, {
    source,
    after_seq: state?.last_seq ?? 0,
    kind: "gap",
    next_seq: (state?.last_seq ?? 0) + 1,
    known_until: at,
    detail: `the ${feed} change feed started: a ${feed} backup that started before it cannot be carried forward`,
  });
  return backupAfterBreak(env, feed, `after the ${feed} change feed started`);
}

/** Segments a run wrote and died before recording: each read, checked and recorded, in order (their coverage not claimed). */
async function adoptOrphans(env: Env, repo: Repository, feed: Feed, line: z.ZodType, lastSeq: number): Promise<number> {
  const source = FEED_SOURCE[feed];
  let seq = lastSeq;
  for (;;) {
    const key = Layout.segment(source, seq + 1, seq + 1);
    if (!(await env.BACKUP_BUCKET.head(key))) return seq;
    const { row } = await feedSegmentRow(key, seq + 1, await repo.getSegment(key, null), feed, line);
    // What it shipped was not marked done (marks stay, the watch was not updated): this run ships it again, so its
    // coverage is not claimed.
    await recordSegment(env.CATALOG_DB, source, { ...row, covered_until: null });
    seq++;
    const state = await getCaptureState(env.CATALOG_DB, source);
    await saveCaptureState(env.CATALOG_DB, {
      source,
      last_seq: seq,
      covered_until: state?.covered_until ?? null,
      schema_fingerprint: state?.schema_fingerprint ?? null,
    });
  }
}
