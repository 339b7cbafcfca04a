import { audit } from "../catalog/audit-log";
import type { Env } from "../env";
import { healthReport } from "../health/health";
import { fireAlert, firingAlertKeys, resolveAlert } from "../catalog/notifications";

/** Health areas whose findings are alerts (the rest are shown by health, not pushed). */
const ALERTING = ["overdue:", "rpo:", "storage:", "replication:", "approval:"];

/**
 * Evaluates the alert conditions (docs/NOTIFICATIONS.md) from the health findings: a condition that becomes true
 * fires once (`alert.fired`, audited, and so notified), and once it stops it resolves once (`alert.resolved`).
 */
export async function evaluateAlerts(env: Env, now = Date.now()): Promise<{ fired: string[]; resolved: string[] }> {
  const db = env.CATALOG_DB;
  const current = new Map(
    (await healthReport(env, now)).findings.filter((f) => ALERTING.some((p) => f.key.startsWith(p))).map((f) => [f.key, f]),
  );
  const was = new Set(await firingAlertKeys(db));
  const at = new Date(now).toISOString();
  const out = { fired: [] as string[], resolved: [] as string[] };
  for (const [key, f] of current) {
    if (was.has(key)) continue;
    await fireAlert(db, key, f.message, at);
    await audit(db, {
      actor: "system:alerts",
      action: "alert.fired",
      target: key,
      outcome: 1,
      detail: { level: f.level, message: f.message, recommendation: f.recommendation },
    });
    out.fired.push(key);
  }
  for (const key of was) {
    if (current.has(key)) continue;
    await resolveAlert(db, key, at);
    await audit(db, { actor: "system:alerts", action: "alert.resolved", target: key, outcome: 1 });
    out.resolved.push(key);
  }
  return out;
}
