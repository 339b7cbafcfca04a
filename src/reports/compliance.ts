import { ComplianceTargets, DEFAULT_TARGETS } from "../../schemas/reports";
import { audit } from "../catalog/audit-log";
import { verifyAuditChain } from "../audit/verify";
import { parseJsonVar } from "../config";
import type { Env } from "../env";
import { sha256Hex, utf8 } from "../repo/bytes";

const LIST_LIMIT = 1000;

/** Actions that read or restore backup data: who accessed what (docs/AUDIT.md). */
const DATA_ACCESS = ["restore.requested", "restore.approved", "restore.rejected", "GET /admin/backup/:id/config", "GET /admin/config/diff", "test_restore.start", "POST /admin/backup/:id/test-restore"];

/**
 * The compliance report for [from, to] (docs/RETENTION.md): backup success by type, RPO and RTO achieved against
 * target, test restores, retention enforced, legal holds, access to backup data, key operations, and the audit
 * chain's state. `digest` is the SHA-256 of the report without it, and generating it is audited with that digest,
 * so a report handed over later can be checked against the audit trail.
 */
export async function complianceReport(env: Env, from: string, to: string, by: string) {
  const db = env.CATALOG_DB;
  const targets = parseJsonVar(ComplianceTargets, env.COMPLIANCE_TARGETS, "COMPLIANCE_TARGETS", JSON.stringify(DEFAULT_TARGETS));
  const all = async <T>(sql: string, ...args: unknown[]) => (await db.prepare(sql).bind(...args).all<T>()).results;

  const backups = (await all<{ type: string; completed: number; failed: number }>(
    `SELECT type, sum(status IN ('completed', 'forgetting', 'forgotten')) AS completed, sum(status = 'failed') AS failed
     FROM backups WHERE created_at >= ? AND created_at < ? AND parent_id IS NULL GROUP BY type ORDER BY type`,
    from,
    to,
  )).map((r) => ({ ...r, success_rate: r.completed + r.failed > 0 ? round(r.completed / (r.completed + r.failed)) : null }));

  const rpo = [];
  for (const [component, target] of Object.entries(targets.rpo_seconds)) {
    const worst = await worstGapSeconds(db, component, from, to);
    rpo.push({ component, target_seconds: target, worst_gap_seconds: worst, met: worst !== null && worst <= target });
  }

  const drills = await all<{ id: string; backup_id: string; status: string; trigger: string; rto_ms: number | null; completed_at: string | null }>(
    `SELECT id, backup_id, status, trigger, rto_ms, completed_at FROM test_restores WHERE created_at >= ? AND created_at < ? ORDER BY created_at LIMIT ?`,
    from,
    to,
    LIST_LIMIT,
  );
  const rtos = drills.filter((d) => d.status === "passed" && d.rto_ms !== null).map((d) => d.rto_ms! / 1000).sort((a, b) => a - b);
  const worstRto = rtos.length ? rtos[rtos.length - 1]! : null;

  const forgotten = await all(`SELECT id AS backup_id, type, forgotten_at, forget_reason AS reason, forget_run AS run FROM backups WHERE forgotten_at >= ? AND forgotten_at < ? ORDER BY forgotten_at LIMIT ?`, from, to, LIST_LIMIT);
  const holdsPlaced = await all(`SELECT id, backup_id, component, from_at, to_at, reason, placed_by, placed_at FROM legal_holds WHERE placed_at >= ? AND placed_at < ? ORDER BY placed_at`, from, to);
  const holdsReleased = await all(`SELECT id, released_by, released_at, release_reason FROM legal_holds WHERE released_at >= ? AND released_at < ? ORDER BY released_at`, from, to);
  const holdsActive = await all(`SELECT id, backup_id, component, from_at, to_at, reason, placed_by, placed_at FROM legal_holds WHERE released_at IS NULL AND placed_at < ? ORDER BY placed_at`, to);
  const access = await all(
    `SELECT at, actor, action, target, outcome, source FROM audit_log WHERE at >= ? AND at < ? AND action IN (${DATA_ACCESS.map(() => "?").join(", ")}) ORDER BY id LIMIT ?`,
    from,
    to,
    ...DATA_ACCESS,
    LIST_LIMIT,
  );
  const rotations = await all(`SELECT id, status, requested_by, to_kek, created_at, completed_at, rewrapped FROM key_rotations WHERE created_at >= ? AND created_at < ? ORDER BY created_at`, from, to);
  const retirements = await all(`SELECT kek_id, retired_by, retired_at, wraps_deleted FROM key_retirements WHERE retired_at >= ? AND retired_at < ? ORDER BY retired_at`, from, to);
  const chain = await verifyAuditChain(env);

  const body = {
    report: "vaultline-compliance",
    version: 1,
    period: { from, to },
    generated_at: new Date().toISOString(),
    generated_by: by,
    backups,
    rpo,
    rto: { target_seconds: targets.rto_seconds, drills_passed: rtos.length, worst_seconds: worstRto, median_seconds: rtos.length ? rtos[Math.floor(rtos.length / 2)]! : null, met: worstRto !== null && worstRto <= targets.rto_seconds },
    test_restores: { run: drills.length, passed: drills.filter((d) => d.status === "passed").length, failed: drills.filter((d) => d.status === "failed").length, items: drills },
    retention: { forgotten },
    legal_holds: { placed: holdsPlaced, released: holdsReleased, active: holdsActive },
    data_access: access,
    keys: { rotations, retirements },
    audit_chain: { ok: chain.ok, entries: chain.entries, first_problem: chain.first_problem },
  };
  const digest = await sha256Hex(utf8.encode(JSON.stringify(body)));
  await audit(db, { actor: by, action: "report.generated", target: digest, outcome: 1, detail: { kind: "compliance", from, to } });
  return { ...body, digest };
}

/**
 * The worst RPO in [from, to] for a component: at each instant, the time since the newest recovery point before it
 * (a completed backup holding the component; for the database also each shipped change-log segment, by the instant
 * it covers). So the first gap runs from the last point before the period, or from its start if there was none.
 */
async function worstGapSeconds(db: D1Database, component: string, from: string, to: string): Promise<number | null> {
  const end = Math.min(Date.parse(to), Date.now());
  const start = Date.parse(from);
  if (end <= start) return null;
  const segments = component === "database" ? `UNION ALL SELECT last_at AS t FROM change_segments WHERE last_at < ?3` : "";
  const worst = await db
    .prepare(
      `WITH points AS (
         SELECT CAST((julianday(completed_at) - 2440587.5) * 86400000 AS INTEGER) AS t FROM backups
         WHERE status IN ('completed', 'forgetting', 'forgotten') AND completed_at IS NOT NULL AND completed_at < ?4
           AND EXISTS (SELECT 1 FROM json_each(components) WHERE value = ?1)
         ${segments}
       ),
       win AS (
         SELECT t FROM points WHERE t >= ?2 AND t < ?3
         UNION ALL SELECT coalesce((SELECT max(t) FROM points WHERE t < ?2), ?2)
         UNION ALL SELECT ?3
       )
       SELECT max(gap) AS worst FROM (SELECT t - lag(t) OVER (ORDER BY t) AS gap FROM win)`,
    )
    .bind(component, start, end, new Date(end).toISOString())
    .first<number | null>("worst");
  return worst === null ? null : Math.round(worst / 1000);
}

function round(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}
