import { z } from "zod";
import { BACKUP_TYPES, COMPONENTS } from "./api";

const count = z.number().int().min(0).max(10_000);

/** Grandfather-father-son: how many of each to keep (docs/RETENTION.md). Each counts distinct periods that have a backup. */
export const KeepRule = z.strictObject({
  last: count.optional(),
  hourly: count.optional(),
  daily: count.optional(),
  weekly: count.optional(),
  monthly: count.optional(),
  yearly: count.optional(),
  /** Every backup completed within this many days of now. */
  within_days: z.number().int().min(0).max(36_500).optional(),
});
export type KeepRule = z.infer<typeof KeepRule>;

/** Which backups a rule governs: by type and by data classification (the components a backup holds). */
export const RuleMatch = z.strictObject({
  type: z.enum(BACKUP_TYPES).optional(),
  component: z.enum(COMPONENTS).optional(),
});

export const PolicySet = z.strictObject({
  /** No rule can forget a backup younger than this. Bucket locks hold backup objects as long (npm run provision). */
  min_retention_days: z.number().int().min(1).max(36_500),
  /** First match wins; a backup no rule matches is kept (never forgotten by accident of configuration). */
  rules: z
    .array(z.strictObject({ match: RuleMatch, keep: KeepRule }))
    .min(1)
    .max(50),
  /** Backups older than this many days are moved to R2 InfrequentAccess (monthly archives always). Omitted: never. */
  infrequent_access_after_days: z.number().int().min(30).max(36_500).optional(),
  /** Storage budget for the growth forecast (GET /admin/backup/storage). */
  storage_budget_bytes: z.number().int().positive().optional(),
});
export type PolicySet = z.infer<typeof PolicySet>;

/** A legal hold: one backup, or every backup of a component (or all) completed within a time range. */
export const LegalHoldBody = z.strictObject({ reason: z.string().trim().min(3).max(1000) });
export const RangeHoldBody = z
  .strictObject({
    reason: z.string().trim().min(3).max(1000),
    component: z.enum(COMPONENTS).optional(),
    from: z.iso.datetime({ offset: true }),
    to: z.iso.datetime({ offset: true }),
  })
  .refine((b) => Date.parse(b.from) <= Date.parse(b.to), { message: "from must not be after to", path: ["to"] });
export const HoldId = z.string().regex(/^lh_[0-9a-zA-Z_-]{1,80}$/, "not a legal hold id");

export interface LegalHold {
  id: string;
  backup_id: string | null;
  component: string | null;
  from_at: string | null;
  to_at: string | null;
  reason: string;
  placed_by: string;
  placed_at: string;
  released_at: string | null;
}

/** What the policy function needs to know about a backup. */
export interface BackupFacts {
  id: string;
  type: string;
  components: string[];
  status: string;
  /** When it completed (or was created, if it never did): what the rules and the floor measure. */
  at: string;
  parent_id: string | null;
  base_backup_id: string | null;
  /** A restore or test restore is reading it now. */
  in_use?: boolean;
}

export interface Decision {
  id: string;
  keep: boolean;
  /** Why: every rule that keeps it ("daily 2026-11-03", "legal hold lh_...", "minimum retention"), or why it goes. */
  reasons: string[];
}
