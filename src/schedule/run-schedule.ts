import { storeComplianceReport } from "../reports/stored";
import { archiveWraps } from "../repo/key-objects";
import { applyDueChanges } from "../changes/two-person";
import { TYPE_COMPONENTS } from "../../schemas/api";
import { startBackup } from "../backup/start";
import { audit } from "../catalog/audit-log";
import type { Env } from "../env";
import { parseSchedules } from "./schedules";
import { runWatchdog } from "./watchdog";
import { sealAuditChain } from "../audit/seal";
import { sealHistory } from "../repo/catalog-records";
import { startRetention } from "../retention/start";
import { evaluateAlerts } from "../notify/alerts";
import { dailyDigest, dispatchNotifications } from "../notify/dispatch";
import { replicaOf } from "../replication/replica";
import { startCatchUp, startScrub } from "../replication/start";
import { drillBackup, startTestRestore } from "../test-restore/start";
import { hasChangeLog } from "../capture/log";
import { shipFeedNow, shipper } from "../capture/shipper-object";
import { FEEDS } from "../../schemas/feed";
import { FEED_SOURCE } from "../feed/run";
import { recordShipError } from "../catalog/capture";
import { CAPTURE_SOURCE } from "../capture/ship";

/**
 * The cron side of shipping: re-arms the shippers' alarms (the database's ships every few seconds, the change
 * feeds' every SESSION_SHIP_INTERVAL_SECONDS / ASSET_SHIP_INTERVAL_SECONDS) and ships once now.
 */
async function shipOnSchedule(env: Env): Promise<string> {
  const fed: string[] = [];
  for (const feed of FEEDS) {
    try {
      const r = await shipFeedNow(env, feed);
      if (!("on" in r) || r.on) fed.push(`, ${feed}:${r.last_seq}`);
    } catch (e) {
      // The database's shipping goes on; health reports the feed's error.
      await recordShipError(env.CATALOG_DB, FEED_SOURCE[feed], (e as Error).message).catch(() => undefined);
      fed.push(`, ${feed}:error`);
    }
  }
  if (!(await hasChangeLog(env[CAPTURE_SOURCE]))) return `capture:not-installed${fed.join("")}`;
  const stub = shipper(env);
  await stub.ensureScheduled();
  const r = await stub.ship();
  return `shipped:${r.last_seq}${fed.join("")}`;
}

/** What one cron firing does, looked up in BACKUP_SCHEDULES. A cron with no entry is audited and does nothing. */
export async function runSchedule(env: Env, cron: string): Promise<string[]> {
  const tasks = parseSchedules(env.BACKUP_SCHEDULES)[cron];
  const done: string[] = [];
  // Today's dated, locked copy of the key wraps (once a day; a HEAD otherwise).
  const archived = await archiveWraps(env.BACKUP_BUCKET);
  if (archived) done.push(`key-wraps-archived:${archived.copied}`);
  // Approved changes whose delay has passed (a weakened retention policy) are carried out on any cron.
  const changes = await applyDueChanges(env);
  if (changes.applied.length || changes.expired) done.push(`changes:+${changes.applied.length}/expired ${changes.expired}`);
  if (!tasks) {
    await audit(env.CATALOG_DB, { actor: "system:schedule", action: "schedule.unknown_cron", target: cron, outcome: 0 });
    return done;
  }
  for (const t of tasks) {
    if (t.task === "backup") {
      const id = await startBackup(env, {
        type: t.type,
        components: TYPE_COMPONENTS[t.type],
        requested_by: "system:schedule",
        trigger: "schedule",
      });
      done.push(id);
    } else if (t.task === "test_restore") {
      const backupId = await drillBackup(env);
      if (!backupId) {
        await audit(env.CATALOG_DB, {
          actor: "system:schedule",
          action: "test_restore.skipped",
          target: null,
          outcome: 0,
          detail: { cron, reason: "no completed full backup" },
        });
        continue;
      }
      const id = await startTestRestore(env, { backup_id: backupId, requested_by: "system:schedule", trigger: "schedule" });
      await audit(env.CATALOG_DB, {
        actor: "system:schedule",
        action: "test_restore.start",
        target: `${id} <- ${backupId}`,
        outcome: 1,
        detail: { cron },
      });
      done.push(id);
    } else if (t.task === "ship_changes") {
      done.push(await shipOnSchedule(env));
    } else if (t.task === "notify") {
      const d = await dispatchNotifications(env, env.PUBLIC_URL ?? "");
      done.push(`notified:${d.messages}`);
    } else if (t.task === "digest") {
      const d = await dailyDigest(env);
      done.push(`digest:${Object.values(d.counts).reduce((a, b) => a + b, 0)}`);
    } else if (t.task === "alerts") {
      const a = await evaluateAlerts(env);
      done.push(`alerts:+${a.fired.length}/-${a.resolved.length}`);
    } else if (t.task === "replicate") {
      if (replicaOf(env)) done.push(await startCatchUp(env, "schedule"));
    } else if (t.task === "scrub") {
      // Replication or not: re-verification always runs (the primary alone when there is no replica).
      done.push(await startScrub(env));
    } else if (t.task === "retention") {
      done.push(await startRetention(env, "system:schedule", "schedule"));
    } else if (t.task === "compliance_report") {
      const stored = await storeComplianceReport(env, t.months);
      done.push(`report:${stored.name}`);
    } else if (t.task === "seal_audit") {
      const sealed = await sealAuditChain(env);
      done.push(`audit-sealed:${sealed.sealed_through}`);
      // Restore and drill history that has ended, into the repository (the catalog holds nothing only it knows).
      const history = await sealHistory(env);
      if (history.restores || history.test_restores) done.push(`history-sealed:${history.restores}+${history.test_restores}`);
    } else {
      const restarted = await runWatchdog(env);
      done.push(...restarted.map((r) => `restarted:${r}`));
    }
  }
  return done;
}
