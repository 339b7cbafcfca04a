import { z } from "zod";
import { ManifestHeader } from "./manifest";

/** Vars whose values are configuration, not secrets: the only values a configuration backup records. */
export const NON_SECRET_VARS = [
  "BACKUP_RETENTION_DAYS",
  "BACKUP_NOTIFICATION_EMAIL",
  "CROSS_REGION_REPLICATION",
  "BACKUP_SCHEDULES",
  "WATCHDOG_STALE_MINUTES",
  "EXPORT_STEP_MB",
] as const;
/** Secrets Vaultline expects: recorded by name and presence, never by value. */
export const SECRET_NAMES = ["BACKUP_ENCRYPTION_KEY", "API_TOKENS"] as const;

export const ConfigSnapshot = z.object({
  vars: z.record(z.string(), z.string()),
  secrets: z.array(z.object({ name: z.string(), present: z.boolean() })),
  /** String or JSON entries that are neither known vars nor known secrets: named, value withheld (they may be secrets). */
  unclassified: z.array(z.string()),
  bindings: z.array(z.object({ name: z.string(), kind: z.string() })),
  schedules: z.record(z.string(), z.unknown()),
  databases: z.array(
    z.object({
      binding: z.string(),
      /** The newest applied migration in d1_migrations, if the database has that table. */
      migration: z.string().nullable(),
      migrations_applied: z.number().int(),
      /** SHA-256 over the SQL of every user schema object, in name order: equal digests, equal schemas. */
      schema_digest: z.string(),
      schema_objects: z.number().int(),
    }),
  ),
});
export type ConfigSnapshot = z.infer<typeof ConfigSnapshot>;

export const ConfigManifest = ManifestHeader.extend({
  format: z.literal("vaultline-config-manifest"),
  type: z.literal("config"),
  component: z.literal("config"),
  config: ConfigSnapshot,
});
export type ConfigManifest = z.infer<typeof ConfigManifest>;
