import { z } from "zod";
import { ManifestHeader } from "./manifest";

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/);

/** One stored part of an object: a chunk in the repository (same format, same dedup). */
export const AssetPart = z.object({ id: Hex64, size: z.number().int().nonnegative() });

/** One object as it was in ASSETS_BUCKET. Its bytes are the concatenation of its parts. */
export const AssetEntry = z.object({
  key: z.string(),
  size: z.number().int().nonnegative(),
  etag: z.string(),
  uploaded: z.string(),
  /** SHA-256 of the whole object: checked again when it is restored. */
  sha256: Hex64,
  http: z.record(z.string(), z.string()),
  custom: z.record(z.string(), z.string()),
  parts: z.array(AssetPart),
});
export type AssetEntry = z.infer<typeof AssetEntry>;

/** An index segment: a chunk holding entries (one JSON line each) for a run of keys, in key order. */
export const AssetSegmentRef = z.object({ id: Hex64, first: z.string(), last: z.string(), objects: z.number().int().positive() });
export type AssetSegmentRef = z.infer<typeof AssetSegmentRef>;

export const AssetManifest = ManifestHeader.extend({
  format: z.literal("vaultline-asset-manifest"),
  type: z.literal("assets"),
  component: z.literal("assets"),
  source: z.string(),
  /** The asset backup unchanged objects were taken from, if any. */
  base_backup_id: z.string().nullable(),
  /** Every object in the bucket at the time, in key order: a complete point in time. */
  segments: z.array(AssetSegmentRef),
  totals: z.object({
    objects: z.number().int(),
    bytes: z.number().int(),
    /** Objects read and stored in this backup (new or changed since the base). */
    copied_objects: z.number().int(),
    copied_bytes: z.number().int(),
    /** Objects unchanged since the base: referenced, not read. */
    reused_objects: z.number().int(),
    /** Objects in the base that are gone now. */
    deleted_objects: z.number().int(),
    new_chunks: z.number().int(),
    new_stored_bytes: z.number().int(),
  }),
  timings_ms: z.record(z.string(), z.number()),
});
export type AssetManifest = z.infer<typeof AssetManifest>;

/** An asset change-feed line (schemas/feed.ts): an object as copied at `at` (ms), or its deletion. */
export const AssetFeedLine = z.union([
  z.strictObject({ k: z.string(), at: z.number().int(), entry: AssetEntry }),
  z.strictObject({ k: z.string(), at: z.number().int(), deleted: z.literal(true) }),
]);
export type AssetFeedLine = z.infer<typeof AssetFeedLine>;
