import type { PolicySet } from "../../schemas/retention";
import { audit } from "../catalog/audit-log";
import type { Env } from "../env";
import { Layout } from "../repo/layout";
import { replicaOf } from "../replication/replica";
import { loadBackupFacts } from "../catalog/retention-facts";
import { listHolds } from "../catalog/legal-holds";
import { evaluatePolicy } from "./policy";
import { backupStatus } from "../catalog/backups";
import { markForgetting, markForgotten } from "../catalog/retention";

export interface Forgotten {
  forgotten: string[];
  /** Planned, but kept after all: a hold placed or a restore started since the plan. */
  spared: { id: string; reason: string }[];
}

/**
 * Forgets backups the plan released, metadata first (docs/RETENTION.md): the catalog row leaves `completed` (so no
 * new restore can start from it), then its manifest is deleted (the backup no longer exists in the bucket), then it
 * is recorded as forgotten and audited. Its chunks go later, with the prune. Right before, each one is decided again
 * with current holds and restores, so a hold placed after the plan still protects it. Safe to repeat.
 */
export async function forgetBackups(
  env: Env,
  runId: string,
  ids: string[],
  policy: PolicySet,
  reasons: Record<string, string>,
): Promise<Forgotten> {
  const db = env.CATALOG_DB;
  const now = Date.now();
  const facts = await loadBackupFacts(db);
  const decisions = new Map(evaluatePolicy(facts, policy, await listHolds(db, { active: true }), now).map((d) => [d.id, d]));
  const out: Forgotten = { forgotten: [], spared: [] };
  for (const id of ids) {
    const d = decisions.get(id);
    const resuming = (await backupStatus(db, id)) === "forgetting";
    if (d?.keep && !resuming) {
      out.spared.push({ id, reason: d.reasons[0]! });
      continue;
    }
    await markForgetting(db, id, reasons[id] ?? "policy", runId);
    await env.BACKUP_BUCKET.delete(Layout.manifest(id));
    await replicaOf(env)?.delete(Layout.manifest(id));
    if (await markForgotten(db, id))
      await audit(db, {
        actor: "system:retention",
        action: "backup.forgotten",
        target: id,
        outcome: 1,
        detail: { run: runId, reason: reasons[id] ?? "policy" },
      });
    out.forgotten.push(id);
  }
  return out;
}
