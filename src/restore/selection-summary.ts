import { z } from "zod";
import type { AssetFilter, ComponentRestorePlan, RestoreScope, SessionRestoreOptions } from "../../schemas/workflows";

/** One component of a production restore as its approvers see it: what will be overwritten, from what. */
export const SelectionItem = z.object({
  component: z.enum(["database", "sessions", "assets"]),
  backup_id: z.string(),
  /** "whole database", "tables: a, b", "user 42 (its rows in 5 tables)", "prefix avatars/", "object x", "every object", "objects: ...". */
  scope: z.string(),
  /** The instant a point-in-time restore reaches (database), if any. */
  target_timestamp: z.string().optional(),
});
export type SelectionItem = z.infer<typeof SelectionItem>;

/** What each stage of a production restore overwrites, in words and ids an approver can check. */
export function selectionSummary(plans: ComponentRestorePlan[], targetTimestamp?: string): SelectionItem[] {
  return plans.map((p) => {
    const base = { component: p.component, backup_id: p.backup.id };
    if (p.component === "database") {
      const s = (p.params as { scope?: RestoreScope }).scope;
      const scope =
        !s || s.kind === "full"
          ? "whole database"
          : s.kind === "tables"
            ? `tables: ${s.tables.join(", ")}`
            : `user ${String(s.user_id)}: its row in ${s.users.table} and every row that refers to it`;
      return { ...base, scope, ...(targetTimestamp ? { target_timestamp: targetTimestamp } : {}) };
    }
    if (p.component === "assets") {
      const f = (p.params as { filter: AssetFilter }).filter;
      const scope = "key" in f && f.key ? `object ${f.key}` : "prefix" in f && f.prefix ? `prefix ${f.prefix}` : "every object";
      return { ...base, scope };
    }
    const only = (p.params as Partial<SessionRestoreOptions>).objects;
    return { ...base, scope: only?.length ? `objects: ${only.join(", ")}` : "every session object" };
  });
}
