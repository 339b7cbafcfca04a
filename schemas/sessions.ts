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

const StateEntrySchema = z.union([
  z.strictObject({ t: z.string(), r: z.number().int(), v: z.string() }),
  z.strictObject({ k: z.string(), v: z.unknown() }),
]);

/** A session change-feed line (schemas/feed.ts): one page of an object's state as read at `at` (ms), `last` on its final page; or its deletion. */
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
