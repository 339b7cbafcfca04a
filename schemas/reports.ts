import { z } from "zod";
import { COMPONENTS } from "./api";

export const ComplianceQuery = z
  .strictObject({
    from: z.iso.datetime({ offset: true }),
    to: z.iso.datetime({ offset: true }),
    format: z.enum(["json", "csv", "html"]).default("json"),
  })
  .refine((q) => Date.parse(q.from) < Date.parse(q.to), { message: "from must be before to", path: ["to"] })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= 400 * 86_400_000, { message: "a report covers at most 400 days", path: ["to"] });
export type ComplianceQuery = z.infer<typeof ComplianceQuery>;

/** COMPLIANCE_TARGETS: the RPO per component and the RTO the report measures against (docs/RETENTION.md). */
export const ComplianceTargets = z.strictObject({
  rpo_seconds: z.record(z.enum(COMPONENTS), z.number().positive()),
  rto_seconds: z.number().positive(),
});
export type ComplianceTargets = z.infer<typeof ComplianceTargets>;
export const DEFAULT_TARGETS: ComplianceTargets = {
  rpo_seconds: { database: 60, sessions: 86_400, assets: 86_400, config: 86_400 },
  rto_seconds: 3600,
};
