import { audit } from "../catalog/audit-log";
import { finishRunRow, getRunRow, startRunRow } from "../catalog/retention-runs";

export interface RetentionReport {
  policy_version: number;
  planned: number;
  forgotten: string[];
  spared: { id: string; reason: string }[];
  phase_two:
    | { collection: string; deleted: number; resurrected: number; freed_bytes: number }
    | { waiting_for: string[]; collection: string }
    | null;
  phase_one: { fossilized: number; fossil_bytes: number; listed: number } | null;
  /** Change-log segments deleted: all before the oldest kept base's scan (one page a run). */
  change_log?: { deleted: number; bytes: number; before_seq: number | null };
  /** Change-feed segments pruned, per feed (read before the oldest kept backup of the component started). */
  feeds?: Record<string, { deleted: number; bytes: number; before: string | null }>;
  /** Chunks moved to InfrequentAccess (cooled) or back to Standard (warmed). */
  tiers?: { cooled: number; warmed: number; bytes: number };
  marked: { manifests: number; refs: number; feed_segments?: number };
}

/** Records a run when it is started (so it can be read at once), and the policy version once its plan is made. */
export async function startRun(
  db: D1Database,
  r: { id: string; trigger: string; requested_by: string; policy_version?: number },
): Promise<void> {
  await startRunRow(db, r);
}

export async function finishRun(
  db: D1Database,
  id: string,
  r: { status: "completed"; report: RetentionReport } | { status: "failed"; error: string },
): Promise<void> {
  const finished = await finishRunRow(db, id, {
    status: r.status,
    report: r.status === "completed" ? JSON.stringify(r.report) : null,
    error: r.status === "failed" ? r.error.slice(0, 2000) : null,
  });
  if (!finished) return;
  const detail =
    r.status === "completed"
      ? {
          forgotten: r.report.forgotten.length,
          fossilized: r.report.phase_one?.fossilized ?? 0,
          deleted: r.report.phase_two && "deleted" in r.report.phase_two ? r.report.phase_two.deleted : 0,
        }
      : { error: r.error.slice(0, 300) };
  await audit(db, {
    actor: "system:retention",
    action: `retention.${r.status}`,
    target: id,
    outcome: r.status === "completed" ? 1 : 0,
    detail,
  });
}

export async function getRun(db: D1Database, id: string) {
  const row = await getRunRow(db, id);
  return row ? { ...row, report: row.report ? JSON.parse(row.report) : null } : null;
}
