import { z } from "zod";

export const TestRestoreId = z.string().regex(/^tr_[0-9a-zA-Z_-]{1,80}$/, "not a test restore id");

/** One check of a test restore: what was checked, whether it held, and the evidence. */
export const TestCheck = z.object({
  component: z.enum(["database", "sessions", "assets", "sandbox"]),
  name: z.string(),
  passed: z.boolean(),
  detail: z.string(),
  ms: z.number().int().nonnegative(),
});
export type TestCheck = z.infer<typeof TestCheck>;

export const TestRestoreStatus = z.enum(["running", "passed", "failed"]);

export const ListTestRestoresQuery = z.strictObject({
  backup_id: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
