import { z } from "zod";

/**
 * One change as the capture triggers log it and a segment stores it (docs/CAPTURE.md):
 * [seq, at (ms since the epoch), table, op, key, row]. `key` is the row's key as SQLite quote() literals joined
 * by commas; `row` is the whole row in the same form as a backup chunk's row (null for a delete).
 */
export const ChangeEntry = z.tuple([
  z.number().int().positive(),
  z.number().int(),
  z.string(),
  z.enum(["I", "U", "D"]),
  z.string(),
  z.string().nullable(),
]);
export type ChangeEntry = z.infer<typeof ChangeEntry>;

/** A shipped segment: an object holding the change log entries first_seq..last_seq, contiguous. */
export const SegmentRef = z.object({
  first_seq: z.number().int().positive(),
  last_seq: z.number().int().positive(),
  first_at: z.number().int(),
  last_at: z.number().int(),
  entries: z.number().int().positive(),
  key: z.string(),
  /** SHA-256 of the segment's plaintext (its JSON lines): checked again when a restore reads it. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type SegmentRef = z.infer<typeof SegmentRef>;

/**
 * Where a full backup sits in the change log: the scan ran between seq_start and seq_end, so applying the
 * changes in (seq_start, seq_end] to the scanned rows gives the database exactly as of seq_end (`as_of`).
 */
export const CapturePoint = z.object({
  source: z.string(),
  seq_start: z.number().int().nonnegative(),
  seq_end: z.number().int().nonnegative(),
  /** ms since the epoch at which the database was exactly the restored state. */
  as_of: z.number().int(),
  segments: z.array(SegmentRef),
});
export type CapturePoint = z.infer<typeof CapturePoint>;

/** What a restore replays on top of a base backup's rows; the segments come from the catalog, in sequence order. */
export const ReplayPlan = z.object({
  /** Entries up to here are part of the base's scan (or before it) and are not replayed. */
  after_seq: z.number().int().nonnegative(),
  /** Every entry up to here is applied, whatever its time (the base's own consistency window, or an incremental's end). */
  through_seq: z.number().int().nonnegative(),
  /** Past through_seq, entries are applied while their time is at or before this (point-in-time restore). */
  until_ms: z.number().int().optional(),
});
export type ReplayPlan = z.infer<typeof ReplayPlan>;
