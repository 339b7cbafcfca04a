import type { NotificationEvent } from "../../schemas/notifications";
import type { AuditRecord } from "../../schemas/audit";

/** Audit actions that become notifications, with their severity. Failures and alerts first; successes too. */
const NOTIFY: Record<string, NotificationEvent["severity"]> = {
  "backup.failed": "critical",
  "restore.failed": "critical",
  "restore.rolled_back": "critical",
  "test_restore.failed": "critical",
  "retention.failed": "warning",
  "key.rotation.failed": "critical",
  "scrub.unrepairable": "critical",
  "capture.entry_refused": "critical",
  "break_glass.used": "critical",
  "alert.fired": "warning",
  "alert.resolved": "info",
  "backup.completed": "info",
  "restore.completed": "info",
  "restore.cancelled": "warning",
  "test_restore.passed": "info",
  "restore.requested": "info",
  "key.rotation.completed": "info",
  "scrub.repaired": "warning",
  "digest.daily": "info",
  "report.stored": "info",
};

/** The notification an audit entry makes, or null when that action is not notified. */
export function eventOf(e: AuditRecord, origin: string): NotificationEvent | null {
  const severity = NOTIFY[e.action];
  if (!severity) return null;
  // A production restore waiting for approval is the one request event worth a message.
  const detail = e.detail ? (JSON.parse(e.detail) as Record<string, unknown>) : {};
  if (e.action === "restore.requested" && detail.target !== "production") return null;
  const summary =
    e.action === "restore.requested"
      ? `production restore ${e.target} needs a second person's approval`
      : e.action === "digest.daily"
        ? `daily digest: ${
            Object.entries((detail.counts as Record<string, number>) ?? {})
              .map(([k, n]) => `${n} ${k.replace(".", " ")}`)
              .join(", ") || "nothing completed"
          }`
        : `${e.action.replace(".", " ")}: ${e.target ?? ""}`.trim();
  const icon = severity === "critical" ? ":red_circle:" : severity === "warning" ? ":warning:" : ":white_check_mark:";
  return {
    // Unique for good: the entry's id and the start of its chain hash (ids alone repeat after a catalog is rebuilt).
    id: `ev_${e.id}_${(e.hash ?? "").slice(0, 12)}`,
    type: e.action === "restore.requested" ? "approval.waiting" : e.action,
    at: e.at,
    severity,
    summary,
    text: `${icon} *Vaultline* ${summary}${detail.code ? ` (${String(detail.code)})` : ""}${detail.message ? `: ${String(detail.message)}` : ""} <${origin}/|open>`,
    target: e.target,
    data: { actor: e.actor, outcome: e.outcome, ...detail },
  };
}
