import type { Env } from "../env";
import { VaultlineError } from "../errors";
import { SWAP_CALL_ROWS } from "../restore/swap-calls";

/**
 * How many steps a Workflow instance may take: the platform's limit (10,000 by default, up to 25,000 with
 * `limits.steps` in wrangler.jsonc; 1,024 on the Free plan; docs/OPERATIONS.md). Sleeps do not count.
 * WORKFLOW_STEP_LIMIT says what this deployment has.
 */
export const DEFAULT_STEP_LIMIT = 10_000;

/** Chunks one backup verify step reads back (each written object: exists, digest, decrypts, hashes to its id). */
export const VERIFY_STEP_CHUNKS = 48;
/** Chunks a database restore loads per step: each is one D1 transaction of about 2 MB of rows. */
export const LOAD_STEP_CHUNKS = 16;
/** Row bytes a verification step re-derives and compares (staging against the manifest). */
export const VERIFY_STEP_BYTES = 64 << 20;
/** Change-log segments one replay step applies at most (about ten minutes of shipping at the default interval). */
export const REPLAY_SEGMENTS_PER_STEP = 50;
/** Changes one replay step applies at most: a step ends after the segment that passes it. */
export const REPLAY_CHANGES_PER_STEP = 50_000;
/** D1 calls one swap step makes at most (each is bounded: src/restore/swap.ts). */
export const SWAP_STEP_CALLS = 25;
/** The fewest bytes one swap fill call copies: SWAP_CALL_ROWS rows of a small row (64 bytes). */
const SWAP_CALL_MIN_BYTES = SWAP_CALL_ROWS * 64;
/** The steps a database restore takes besides loading, verifying and replaying: reading, staging, notes, swap, checks. */
const RESTORE_FIXED_STEPS = 24;

export function stepLimit(env: Env): number {
  const n = Number(env.WORKFLOW_STEP_LIMIT || DEFAULT_STEP_LIMIT);
  return Number.isInteger(n) && n >= 1_024 && n <= 25_000 ? n : DEFAULT_STEP_LIMIT;
}

/** What a database restore is made of, for its step count. */
export interface DatabaseRestoreShape {
  /** Row chunks loaded into staging. */
  chunks: number;
  /** Bytes of rows, re-derived and compared during verification. */
  raw_bytes: number;
  /** Tables restored: a verification step also ends where a table does. */
  tables: number;
  /** Change-log segments replayed on top (0 without a change log). */
  segments: number;
}

/**
 * The steps a database restore takes at most, from its shape: grows with the data (about one step per 32 MB of rows
 * loaded, per 64 MB verified and per 80 MB swapped) and with the change log (one step per REPLAY_SEGMENTS_PER_STEP segments), not per row.
 */
export function databaseRestoreSteps(s: DatabaseRestoreShape): number {
  const load = Math.ceil(s.chunks / LOAD_STEP_CHUNKS);
  const verify = Math.ceil(s.raw_bytes / VERIFY_STEP_BYTES) + s.tables;
  const replay = s.segments ? Math.ceil(s.segments / REPLAY_SEGMENTS_PER_STEP) + 2 : 0;
  // The swap's fill calls, twice over (a rollback copies the target's own rows back), and one drop per table set aside.
  const fillCalls = Math.ceil(s.raw_bytes / SWAP_CALL_MIN_BYTES) + 2 * s.tables;
  const swap = 2 * Math.ceil(fillCalls / SWAP_STEP_CALLS) + Math.ceil((3 * s.tables) / SWAP_STEP_CALLS);
  return RESTORE_FIXED_STEPS + load + verify + replay + swap;
}

/** Change-feed segments one replay step applies at most (sessions: src/sessions/replay-feed.ts; assets: src/assets/replay-feed.ts). */
export const FEED_SEGMENTS_PER_STEP = 10;

/** The steps a session or asset restore to an instant takes: about one per index segment of its base, one per FEED_SEGMENTS_PER_STEP feed segments, a few fixed. */
export function feedRestoreSteps(indexSegments: number, feed: { first_seq: number; last_seq: number }): number {
  return 8 + indexSegments + Math.ceil((feed.last_seq - feed.first_seq + 1) / FEED_SEGMENTS_PER_STEP);
}

/** A plan the platform would stop halfway: refused before anything runs, with what to change. */
export class OverStepLimitError extends VaultlineError {
  constructor(what: string, planned: number, limit: number) {
    super(
      "over_step_limit",
      `${what} needs about ${planned} workflow steps; this deployment allows ${limit} per instance (WORKFLOW_STEP_LIMIT): raise limits.steps in wrangler.jsonc (up to 25,000) and WORKFLOW_STEP_LIMIT with it, or restore from a more recent backup`,
      422,
    );
    this.retryable = false;
  }
}

/** Refuses a plan over the limit (before a restore touches its target). */
export function checkStepBudget(env: Env, what: string, planned: number): void {
  const limit = stepLimit(env);
  if (planned > limit) throw new OverStepLimitError(what, planned, limit);
}
