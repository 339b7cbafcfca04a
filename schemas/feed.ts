import { z } from "zod";

/**
 * The change feeds of components without a change log of their own (docs/FORMAT.md, "Change-feed segments"):
 * sessions (Durable Objects that mark themselves changed) and assets (R2 objects found changed by a listing
 * comparison or an event notification). Each ships sealed segments of JSON lines, the first a header.
 */
export const FEEDS = ["sessions", "assets"] as const;
export type Feed = (typeof FEEDS)[number];

export const FeedHeader = z.strictObject({
  feed: z.enum(FEEDS),
  /** Sessions: the registry namespace the objects belong to. */
  namespace: z.string().optional(),
  /** The shipper run that wrote it (the number of its first segment): an entry may continue into the run's next segment. */
  run: z.number().int().nonnegative(),
  /** Every change acknowledged before this instant (ms) was shipped by earlier runs (null: the feed's first run). */
  covered_from: z.number().int().nullable(),
  /** On the run's last segment: every change acknowledged before this instant is in this or earlier segments. */
  covered_until: z.number().int().nullable(),
});
export type FeedHeader = z.infer<typeof FeedHeader>;

/**
 * What a restore to an instant applies over its base backup: the feed's segments first_seq..last_seq, lines read at
 * or after `since_ms` (the base's start; earlier lines are in the base already), and the instant that reaches.
 */
export const FeedReplay = z.strictObject({
  first_seq: z.number().int().positive(),
  last_seq: z.number().int().positive(),
  since_ms: z.number().int(),
  /** Every change acknowledged before this instant is in the restored state. */
  reached_ms: z.number().int(),
});
export type FeedReplay = z.infer<typeof FeedReplay>;
