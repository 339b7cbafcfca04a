import { z } from "zod";
import { BackupTypeInput } from "./api";

/** admin ⊇ operator ⊇ viewer. `approver` stands apart: approving a production restore is never implied by another role. */
export const ROLES = ["admin", "operator", "viewer", "approver"] as const;
export type Role = (typeof ROLES)[number];

/** API_TOKENS: hex SHA-256 of each token (never the token), who it is, and what it may do. */
export const ApiTokens = z.array(
  z.object({
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    subject: z.string().min(1),
    roles: z.array(z.enum(ROLES)).min(1),
  }),
);
export type ApiToken = z.infer<typeof ApiTokens>[number];

export const ScheduledTask = z.discriminatedUnion("task", [
  z.object({ task: z.literal("backup"), type: BackupTypeInput }),
  z.object({ task: z.literal("watchdog") }),
  /** Ships the change log now and keeps the shipper's alarm armed (docs/CAPTURE.md). */
  z.object({ task: z.literal("ship_changes") }),
  /** A test restore (drill) of the newest full-system backup, else the newest full database backup. */
  z.object({ task: z.literal("test_restore") }),
]);
export type ScheduledTask = z.infer<typeof ScheduledTask>;

/** BACKUP_SCHEDULES: cron expression (as in wrangler.jsonc triggers) -> tasks it starts. */
export const BackupSchedules = z.record(z.string(), z.array(ScheduledTask));
export type BackupSchedules = z.infer<typeof BackupSchedules>;
