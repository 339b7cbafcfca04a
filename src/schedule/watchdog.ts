import { audit } from "../catalog/audit-log";
import type { Env } from "../env";
import { countRestart, markWorkEnded, staleWork } from "../catalog/work";
import { backupBinding, restoreBinding, workflowOf } from "../launch";

interface Stale {
  kind: "backup" | "restore";
  id: string;
  /** Backup type, or restore component: which Workflow runs it. */
  what: string;
  /** For restores: "production" marks an orchestrating production restore (ProductionRestoreWorkflow). */
  target: string | null;
}

/**
 * Finds backups and restores whose catalog row has not moved for WATCHDOG_STALE_MINUTES and whose Workflow
 * instance still claims to run, and restarts them. A restarted backup re-uploads only missing chunks (ids are
 * content hashes) and a restarted restore reloads into fresh staging, so a restart is always safe.
 * Instances the platform reports as errored or terminated are recorded as failed instead.
 */
export async function runWatchdog(env: Env, now = new Date()): Promise<string[]> {
  const minutes = Number(env.WATCHDOG_STALE_MINUTES || "10");
  const cutoff = new Date(now.getTime() - minutes * 60_000).toISOString();
  const results: Stale[] = await staleWork(env.CATALOG_DB, cutoff);
  const restarted: string[] = [];
  for (const s of results) {
    const binding = workflowOf(
      env,
      s.kind === "backup" ? backupBinding(s.what) : s.target === "production" ? "PRODUCTION_RESTORE" : restoreBinding(s.what),
    );
    let status: string;
    try {
      status = (await (await binding.get(s.id)).status()).status;
    } catch {
      status = "unknown";
    }
    if (status === "running" || status === "queued" || status === "unknown") {
      try {
        await (await binding.get(s.id)).restart();
      } catch (e) {
        await audit(env.CATALOG_DB, {
          actor: "system:watchdog",
          action: `${s.kind}.restart`,
          target: s.id,
          outcome: 0,
          detail: { error: String(e) },
        });
        continue;
      }
      await countRestart(env.CATALOG_DB, s.kind, s.id, now.toISOString());
      await audit(env.CATALOG_DB, {
        actor: "system:watchdog",
        action: `${s.kind}.restart`,
        target: s.id,
        outcome: 1,
        detail: { was: status },
      });
      restarted.push(s.id);
    } else if (status === "errored" || status === "terminated") {
      await markWorkEnded(env.CATALOG_DB, s.kind, s.id, status, now.toISOString());
      await audit(env.CATALOG_DB, {
        actor: "system:watchdog",
        action: `${s.kind}.mark_failed`,
        target: s.id,
        outcome: 1,
        detail: { was: status },
      });
    }
  }
  return restarted;
}
