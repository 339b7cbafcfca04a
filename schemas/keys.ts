import { z } from "zod";

/** A master key's id: HKDF of the key, 8 bytes hex (docs/FORMAT.md, "Keys"). Names a key, reveals nothing of it. */
export const KekId = z.string().regex(/^[0-9a-f]{16}$/, "not a master key id");
export const RotationId = z.string().regex(/^kr_[0-9a-zA-Z_-]{1,80}$/, "not a key rotation id");

/** What one master key wraps, and whether it can go. */
export const MasterKeyStatus = z.object({
  kek_id: z.string(),
  /** Where this deployment holds it: the current key, an old one, or not at all (only its wraps are in the bucket). */
  held_as: z.enum(["current", "old", "not_held"]),
  wraps: z.array(z.string()),
  /** Data keys this key wraps that the current key does not: what still needs it. */
  still_needed_for: z.array(z.string()),
  /** Completed backups sealed with a data key in still_needed_for. */
  backups_needing_it: z.number().int(),
  retirable: z.boolean(),
});
export type MasterKeyStatus = z.infer<typeof MasterKeyStatus>;

export const KeyReport = z.object({
  current_kek: z.string(),
  data_keys: z.array(z.object({ data_key_id: z.string(), wrapped_by: z.array(z.string()) })),
  master_keys: z.array(MasterKeyStatus),
});
export type KeyReport = z.infer<typeof KeyReport>;
