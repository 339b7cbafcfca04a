import { z } from "zod";
import { COMPONENTS } from "./api";
import { ManifestHeader } from "./manifest";

/** A full-system backup: which component backups make it up, and the time they span. */
export const SystemManifest = ManifestHeader.extend({
  format: z.literal("vaultline-system-manifest"),
  type: z.enum(["full_system", "monthly_archive"]),
  component: z.literal("system"),
  components: z.array(
    z.object({ component: z.enum(COMPONENTS), backup_id: z.string(), type: z.string(), started_at: z.string(), completed_at: z.string() }),
  ),
  /** From the first component's start to the last one's completion: the window the system backup describes. */
  span: z.object({ from: z.string(), to: z.string() }),
});
export type SystemManifest = z.infer<typeof SystemManifest>;
