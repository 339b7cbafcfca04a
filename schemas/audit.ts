import { z } from "zod";

/** GET /admin/audit query: every filter optional; `cursor` is the id to continue after (newest first). */
export const AuditQuery = z.strictObject({
  actor: z.string().min(1).max(200).optional(),
  action: z.string().min(1).max(200).optional(),
  target: z.string().min(1).max(300).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  outcome: z.coerce.number().int().min(0).max(599).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.coerce.number().int().min(1).optional(),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

/** One entry of the chain as stored and as answered. `hash` = SHA-256 of its fields and `prev_hash` (docs/AUDIT.md). */
export const AuditRecord = z.object({
  id: z.number().int(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  target: z.string().nullable(),
  outcome: z.number().int(),
  request_id: z.string().nullable(),
  source: z.string().nullable(),
  detail: z.string().nullable(),
  prev_hash: z.string().nullable(),
  hash: z.string().nullable(),
});
export type AuditRecord = z.infer<typeof AuditRecord>;

export const AuditProblem = z.object({
  id: z.number().int(),
  kind: z.enum(["altered", "removed", "reordered", "unchained"]),
  message: z.string(),
});
export type AuditProblem = z.infer<typeof AuditProblem>;
