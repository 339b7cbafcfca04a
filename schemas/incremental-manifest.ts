import { z } from "zod";
import { SegmentRef } from "./capture";
import { ManifestHeader } from "./manifest";

/** An incremental database backup: the change-log segments since a full backup, by reference (docs/CAPTURE.md). */
export const IncrementalManifest = ManifestHeader.extend({
  format: z.literal("vaultline-incremental-manifest"),
  type: z.literal("incremental"),
  component: z.literal("database"),
  source: z.string(),
  /** The full database backup this chain starts from. */
  base_backup_id: z.string(),
  /** Changes after the base's consistent point, up to and including to_seq. */
  from_seq: z.number().int().positive(),
  to_seq: z.number().int().nonnegative(),
  as_of: z.number().int(),
  segments: z.array(SegmentRef),
  totals: z.object({
    entries: z.number().int().nonnegative(),
    raw_bytes: z.number().int().nonnegative(),
    stored_bytes: z.number().int().nonnegative(),
  }),
});
export type IncrementalManifest = z.infer<typeof IncrementalManifest>;
