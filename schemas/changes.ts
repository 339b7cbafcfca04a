import { z } from "zod";
import { PolicySet } from "./retention";

/** The destructive changes that wait for a second person (docs/ACCESS.md, "Two people"). */
export const ChangeKind = z.enum(["policy", "hold_release", "capture_remove", "key_retire"]);
export type ChangeKind = z.infer<typeof ChangeKind>;

/** What each kind applies once approved: one discriminated union, checked again when it is applied. */
export const ChangePayload = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("policy"), policy: PolicySet }),
  z.strictObject({ kind: z.literal("hold_release"), hold_ids: z.array(z.string()).min(1).max(100), reason: z.string() }),
  z.strictObject({ kind: z.literal("capture_remove") }),
  z.strictObject({ kind: z.literal("key_retire"), kek_id: z.string() }),
]);
export type ChangePayload = z.infer<typeof ChangePayload>;

export const ChangeStatus = z.enum(["awaiting_approval", "approved", "rejected", "expired", "applied", "failed"]);

export const ChangeId = z.string().regex(/^cr_[0-9a-zA-Z_-]{1,80}$/, "not a change request id");

export const ChangeView = z.object({
  change_id: z.string(),
  kind: ChangeKind,
  target: z.string(),
  summary: z.string(),
  requested_by: z.string(),
  requested_at: z.string(),
  expires_at: z.string(),
  status: ChangeStatus,
  decided_by: z.string().nullable(),
  decided_at: z.string().nullable(),
  comment: z.string().nullable(),
  effective_at: z.string().nullable(),
  applied_at: z.string().nullable(),
  error: z.string().nullable(),
  payload: ChangePayload,
});
export type ChangeView = z.infer<typeof ChangeView>;

export const ListChangesQuery = z.strictObject({ status: ChangeStatus.optional() });
