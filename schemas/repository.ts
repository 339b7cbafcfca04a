import { z } from "zod";
import { FORMAT_VERSION } from "./manifest";

/** `config`: the one plaintext object. Says what the repository is and how to read it. Written once. */
export const RepositoryConfig = z.object({
  format: z.literal("vaultline-repository"),
  version: z.literal(FORMAT_VERSION),
  repository_id: z.string(),
  created_at: z.string(),
  data_key_id: z.string().regex(/^[0-9a-f]{32}$/),
  cipher: z.literal("AES-256-GCM"),
  compression: z.literal("brotli"),
  chunker: z.object({ min: z.number().int(), avg_extra: z.number().int(), max: z.number().int() }),
  /** HMAC-SHA-256 of the rest, under a key derived from the data key (docs/FORMAT.md, "Config"): edits are caught. */
  mac: z.string().regex(/^[0-9a-f]{64}$/),
});
export type RepositoryConfig = z.infer<typeof RepositoryConfig>;

/** `keys/<data_key_id>/<kek_id>.json`: the data key material wrapped by one master key. */
export const WrappedKey = z.object({
  format: z.literal("vaultline-key"),
  version: z.literal(FORMAT_VERSION),
  data_key_id: z.string().regex(/^[0-9a-f]{32}$/),
  kek_id: z.string().regex(/^[0-9a-f]{16}$/),
  iv: z.string(),
  wrapped: z.string(),
  created_at: z.string(),
});
export type WrappedKey = z.infer<typeof WrappedKey>;

/**
 * `keychain/<n>`: the n-th data key after the config's (n from 1). Write-once; its MAC is under the data key before
 * it, so the chain from the config's key decides which data key is current; nothing outside it counts.
 */
export const KeychainEntry = z.object({
  format: z.literal("vaultline-keychain"),
  version: z.literal(FORMAT_VERSION),
  n: z.number().int().positive(),
  data_key_id: z.string().regex(/^[0-9a-f]{32}$/),
  previous_data_key_id: z.string().regex(/^[0-9a-f]{32}$/),
  created_at: z.string(),
  mac: z.string().regex(/^[0-9a-f]{64}$/),
});
export type KeychainEntry = z.infer<typeof KeychainEntry>;
