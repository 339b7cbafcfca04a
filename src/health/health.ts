import { humanDuration } from "../units";
import { humanBytes } from "../units";
import { restorableUntil } from "../capture/coverage";
import { feedRestorableUntil } from "../feed/plan";
import { ComplianceTargets, DEFAULT_TARGETS } from "../../schemas/reports";
import {
  awaitingApproval,
  catalogCreatedAt,
  backupOutcomesSince,
  failedSince,
  interruptedForgets,
  lastCompletedHolding,
  lastCompletedOfType,
  lastPassingDrill,
  lastRetentionRun,
  latestStorageTotal,
  replicationHealth,
  stuckSince,
} from "../catalog/health";
import { parseJsonVar } from "../config";
import type { Env } from "../env";
import { replicaOf } from "../replication/replica";
import { currentPolicy } from "../retention/policies";
import { backupDueTimes } from "../schedule/intervals";

const HOUR = 3_600_000;
/** A scheduled backup is overdue once its interval plus this much has passed without a success. */
const GRACE_MS = 2 * HOUR;

type Level = "ok" | "warning" | "critical";

/**
 * The state of the backup system at a glance (GET /admin/backup/health): success rates, the last success of each
 * type against its schedule, the current RPO per component against target, storage against budget, retention,
 * replication, failed and stuck work, and what to do about each problem. `status` is the worst finding.
 */
export async function healthReport(env: Env, now = Date.now()) {
  const db = env.CATALOG_DB;
  const findings: { key: string; level: Level; area: string; message: string; recommendation: string }[] = [];
  /** `key` names the condition: alerts fire once per key while it holds (src/notify/alerts.ts). */
  const add = (level: Level, area: string, message: string, recommendation: string, key: string = area) =>
    findings.push({ key, level, area, message, recommendation });
  const iso = (ms: number) => new Date(ms).toISOString();

  const rate = async (since: number) => {
    const { ok, failed } = await backupOutcomesSince(db, iso(since));
    return { completed: ok, failed, rate: ok + failed ? Math.round((ok / (ok + failed)) * 1000) / 1000 : null };
  };
  const success_rate = { "24h": await rate(now - 24 * HOUR), "7d": await rate(now - 7 * 24 * HOUR) };
  if (success_rate["24h"].failed > 0)
    add(
      success_rate["24h"].rate! < 0.5 ? "critical" : "warning",
      "backups",
      `${success_rate["24h"].failed} backup(s) failed in the last 24 hours`,
      "GET /admin/backup/list?status=failed shows each error; a retry: POST /admin/backup/create",
    );

  // Each backup type against its schedule, read by a cron library: overdue when the last run due more than the
  // grace period ago has not completed since. Before the catalog existed nothing was due: a fresh install waits.
  const due = backupDueTimes(env.BACKUP_SCHEDULES, now);
  // The run that was due more than the grace period ago: the one a success must follow. (The run due last may still
  // be inside its grace period while the one before it was missed as well.)
  const dueBeforeGrace = backupDueTimes(env.BACKUP_SCHEDULES, now - GRACE_MS);
  const installedAt = await catalogCreatedAt(db);
  const last_success: Record<
    string,
    { at: string | null; expected_every_hours: number | null; overdue: boolean; waiting_for_first_run?: true; last_due: string | null }
  > = {};
  for (const [type, d] of Object.entries(due)) {
    const at = await lastCompletedOfType(db, type);
    const lastOk = at ? Date.parse(at) : null;
    const mustFollow = dueBeforeGrace[type]?.last_due ?? null;
    const dueSinceInstall = mustFollow !== null && (installedAt === null || mustFollow >= installedAt);
    const overdue = dueSinceInstall && (lastOk === null || lastOk < mustFollow!);
    last_success[type] = {
      at,
      expected_every_hours: d.every_ms ? Math.round((d.every_ms / HOUR) * 10) / 10 : null,
      overdue,
      last_due: d.last_due === null ? null : iso(d.last_due),
      ...(lastOk === null && !overdue ? { waiting_for_first_run: true as const } : {}),
    };
    if (overdue)
      add(
        "critical",
        "backups",
        `no successful ${type} backup since its run due at ${iso(d.last_due!)}${at ? ` (the last one completed ${at})` : ""}`,
        `POST /admin/backup/create {"type":"${type}"}; check the last failure's error, and that the cron triggers fire`,
        `overdue:${type}`,
      );
  }

  const targets = parseJsonVar(ComplianceTargets, env.COMPLIANCE_TARGETS, "COMPLIANCE_TARGETS", JSON.stringify(DEFAULT_TARGETS));
  const rpo: Record<string, { seconds: number | null; target_seconds: number; met: boolean; waiting_for_first_backup?: true }> = {};
  for (const [component, target] of Object.entries(targets.rpo_seconds)) {
    const backup = await lastCompletedHolding(db, component);
    let latest = backup ? Date.parse(backup) : null;
    if (component === "database") {
      // Restorable now, breaks included (src/capture/coverage.ts): not merely shipped.
      const restorable = await restorableUntil(env);
      if (restorable !== null && (latest === null || restorable > latest)) latest = restorable;
    }
    if (component === "sessions" || component === "assets") {
      // The newest backup carried forward by the component's change feed (src/feed/plan.ts).
      const carried = await feedRestorableUntil(env, component);
      if (carried && (latest === null || carried.reached > latest)) latest = carried.reached;
    }
    const seconds = latest === null ? null : Math.max(0, Math.round((now - latest) / 1000));
    // Nothing to restore yet, on an install younger than the target: what could be lost is what was written since
    // the install, within the target; it is waiting for its first backup, not failing one.
    const young = latest === null && installedAt !== null && now - installedAt <= target * 1000;
    rpo[component] = {
      seconds,
      target_seconds: target,
      met: young || (seconds !== null && seconds <= target),
      ...(young ? { waiting_for_first_backup: true as const } : {}),
    };
    if (!rpo[component]!.met) {
      const hint =
        component === "database"
          ? "is change capture installed and shipping? npx vaultline capture status"
          : component === "sessions"
            ? "is the session change feed shipping (its objects call changed(); SESSION_SHIP_INTERVAL_SECONDS)? else back sessions up more often (BACKUP_SCHEDULES)"
            : component === "assets"
              ? "is the asset change feed shipping (ASSET_SHIP_INTERVAL_SECONDS; npx vaultline capture status)? else back assets up more often (BACKUP_SCHEDULES)"
              : `back it up more often (BACKUP_SCHEDULES)`;
      add(
        "warning",
        "rpo",
        `${component}: ${seconds === null ? "no recovery point yet" : `the newest recovery point is ${humanDuration(seconds)} old`}, target ${humanDuration(target)}`,
        hint,
        `rpo:${component}`,
      );
    }
  }

  const sample = await latestStorageTotal(db);
  const budget = (await currentPolicy(env)).policy.storage_budget_bytes ?? null;
  const storage = {
    bytes: sample?.bytes ?? null,
    sampled_at: sample?.at ?? null,
    budget_bytes: budget,
    budget_used: budget && sample?.bytes ? Math.round((sample.bytes / budget) * 1000) / 1000 : null,
  };
  if (storage.budget_used !== null && storage.budget_used >= 0.9)
    add(
      storage.budget_used >= 1 ? "critical" : "warning",
      "storage",
      `storage at ${Math.round(storage.budget_used * 100)} % of its budget`,
      "POST /admin/backup/retention/preview to see what a tighter policy would free; raise storage_budget_bytes otherwise",
      "storage:budget",
    );

  const lastRetention = await lastRetentionRun(db);
  const interrupted = await interruptedForgets(db);
  const retention = { last_run: lastRetention, interrupted_forgets: interrupted };
  if (lastRetention?.status === "failed")
    add(
      "warning",
      "retention",
      `the last retention run failed: ${lastRetention.error}`,
      "POST /admin/backup/retention/run; POST /admin/repository/check proves the repository consistent meanwhile",
    );
  const installedFor = installedAt === null ? Number.POSITIVE_INFINITY : now - installedAt;
  if (installedFor > 48 * HOUR && (!lastRetention || now - Date.parse(lastRetention.started_at) > 48 * HOUR))
    add("warning", "retention", "retention has not run in the last 48 hours", "check the 03:00 cron; POST /admin/backup/retention/run");

  const stale = Number(env.WATCHDOG_STALE_MINUTES || 10) * 60_000;
  const failedWork = await failedSince(db, iso(now - 24 * HOUR));
  const stuck = await stuckSince(db, iso(now - stale));
  if (stuck.length)
    add(
      "warning",
      "workflows",
      `${stuck.length} backup(s) or restore(s) have not moved for ${stale / 60_000} minutes`,
      "the watchdog (every 5 minutes) restarts them; check GET /admin/backup/{id} for the step",
    );
  const waiting = await awaitingApproval(db);
  if (waiting.length)
    add(
      "warning",
      "approvals",
      `${waiting.length} production restore(s) wait for approval`,
      "an approver: POST /admin/restore/{id}/approve or /reject",
      "approval:waiting",
    );

  const drill = await lastPassingDrill(db);
  if (installedFor > 8 * 24 * HOUR && (!drill || now - Date.parse(drill) > 8 * 24 * HOUR))
    add(
      "warning",
      "drills",
      `no passing test restore ${drill ? `since ${drill}` : "yet"}`,
      "POST /admin/backup/{id}/test-restore (the weekly drill runs Sundays at 05:00)",
    );

  let replication: Record<string, unknown> = { enabled: false };
  if (replicaOf(env)) {
    const { last, failed: failedReplicas } = await replicationHealth(db);
    replication = { enabled: true, last_catch_up: last, failed_backups: failedReplicas };
    if (failedReplicas)
      add(
        "warning",
        "replication",
        `${failedReplicas} backup(s) are not in the replica`,
        "POST /admin/replication/catch-up",
        "replication:failed",
      );
    const lagLimit = Number(env.REPLICATION_LAG_ALERT_SECONDS || 6 * 3600);
    if (last?.lag_seconds && last.lag_seconds > lagLimit)
      add(
        "warning",
        "replication",
        `the replica lagged ${last.lag_seconds} s behind at the last catch-up (limit ${lagLimit} s)`,
        "check the replica bucket is reachable; POST /admin/replication/catch-up",
        "replication:lag",
      );
  }

  const status: "healthy" | "degraded" | "unhealthy" = findings.some((f) => f.level === "critical")
    ? "unhealthy"
    : findings.length
      ? "degraded"
      : "healthy";
  const newestSuccess = Object.values(last_success)
    .map((l) => l.at)
    .filter((a): a is string => a !== null)
    .sort()
    .at(-1);
  return {
    status,
    // The product requirements' names for the same facts (machine-precise fields follow).
    overall_health: status === "healthy" ? ("healthy" as const) : status === "degraded" ? ("warning" as const) : ("critical" as const),
    backup_success_rate: success_rate["7d"].rate,
    storage_usage: storage.bytes === null ? null : humanBytes(storage.bytes),
    retention_compliance: !findings.some((f) => f.area === "retention"),
    last_successful_backup: newestSuccess ?? null,
    checked_at: iso(now),
    success_rate,
    last_success,
    rpo,
    storage,
    retention,
    replication,
    workflows: { failed_24h: failedWork, stuck, awaiting_approval: waiting },
    last_passing_drill: drill,
    findings,
    recommendations: findings.map((f) => f.recommendation),
  };
}
