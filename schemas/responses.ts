import { z } from "zod";
import { BackupSummary } from "./api";
import { ProfileCheck, ProviderProfile } from "./provider";

/**
 * What the API answers, for the routes documented so far: the handlers return values of these types (checked by
 * TypeScript with `satisfies`), OpenAPI documents them, and test/worker/openapi.test.ts checks live answers against
 * them, extra fields included.
 */
export const Healthz = z.object({ ok: z.literal(true), service: z.literal("vaultline") });
export const Whoami = z.object({
  subject: z.string(),
  roles: z.array(z.string()),
  via: z.enum(["api_token", "jwt"]),
  second_factor: z.boolean(),
});
export const BackupCreated = z.object({
  backup_id: z.string(),
  status: z.literal("initiated"),
  /** The type started: the one asked for, or `full_system` for a list of components no single type holds. */
  type: z.string(),
  components: z.array(z.string()),
  /** As people read it ("5 minutes"): from the mean of the last five completed backups of the type. */
  estimated_duration: z.string(),
  /** The same in seconds (60 before there is one). */
  estimated_duration_seconds: z.number().int().nonnegative(),
});
export const BackupList = z.object({
  backups: z.array(BackupSummary),
  total: z.number().int().nonnegative(),
  page: z.number().int().positive(),
});
export const TestRestoreStarted = z.object({ test_id: z.string(), backup_id: z.string(), status: z.literal("running") });
export const ProviderStatus = z.object({ profile: ProviderProfile, check: ProfileCheck });
