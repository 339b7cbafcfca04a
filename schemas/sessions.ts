import { z } from "zod";
import { ManifestHeader } from "./manifest";

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/);

/** One Durable Object's state: a chunk holding its export entries, one JSON line each. */
export const SessionObjectEntry = z.object({
  name: z.string(),
  chunk: Hex64,
  entries: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
});
export type SessionObjectEntry = z.infer<typeof SessionObjectEntry>;

export const SessionSegmentRef = z.object({ id: Hex64, first: z.string(), last: z.string(), objects: z.number().int().positive() });
export type SessionSegmentRef = z.infer<typeof SessionSegmentRef>;

export const SessionManifest = ManifestHeader.extend({
  format: z.literal("vaultline-session-manifest"),
  type: z.literal("sessions"),
  component: z.literal("sessions"),
  namespace: z.string(),
  /** Every registered object, in name order. */
  segments: z.array(SessionSegmentRef),
  totals: z.object({
    objects: z.number().int(),
    entries: z.number().int(),
    bytes: z.number().int(),
    new_chunks: z.number().int(),
    new_stored_bytes: z.number().int(),
  }),
  timings_ms: z.record(z.string(), z.number()),
});
export type SessionManifest = z.infer<typeof SessionManifest>;

/**
 * The session change feed's segments (docs/FORMAT.md, "Session change segments"): JSON lines, the first a header.
 * A run of the shipper writes one or more segments; its last one carries the coverage the run reached.
 */
export const SessionFeedHeader = z.strictObject({
  feed: z.literal("sessions"),
  namespace: z.string(),
  /** The shipper run that wrote it: an object's pages may continue into the run's next segment. */
  run: z.number().int().nonnegative(),
  /** Every change acknowledged before this instant (ms) was shipped by earlier runs (null: the feed's first run). */
  covered_from: z.number().int().nullable(),
  /** On the run's last segment: every change acknowledged before this instant is in this or earlier segments. */
  covered_until: z.number().int().nullable(),
});
export type SessionFeedHeader = z.infer<typeof SessionFeedHeader>;

const StateEntrySchema = z.union([
  z.strictObject({ t: z.string(), r: z.number().int(), v: z.string() }),
  z.strictObject({ k: z.string(), v: z.unknown() }),
]);

/** One page of an object's state as read at `at` (ms); `last` on its final page. Or its deletion. */
export const SessionFeedLine = z.union([
  z.strictObject({
    o: z.string(),
    at: z.number().int(),
    p: z.number().int().nonnegative(),
    last: z.boolean(),
    e: z.array(StateEntrySchema),
  }),
  z.strictObject({ o: z.string(), at: z.number().int(), deleted: z.literal(true) }),
]);
export type SessionFeedLine = z.infer<typeof SessionFeedLine>;

/**
 * What a session restore to an instant applies over its base backup: the feed's segments first_seq..last_seq, lines
 * read at or after `since_ms` (the base's start; earlier lines are in the base already).
 */
export const SessionFeedReplay = z.strictObject({
  first_seq: z.number().int().positive(),
  last_seq: z.number().int().positive(),
  since_ms: z.number().int(),
  /** The instant reached: every change acknowledged before it is in the restored state. */
  reached_ms: z.number().int(),
});
export type SessionFeedReplay = z.infer<typeof SessionFeedReplay>;
