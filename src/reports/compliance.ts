import { restorableRanges } from "../capture/coverage";
import { ComplianceTargets, DEFAULT_TARGETS } from "../../schemas/reports";
import { audit } from "../catalog/audit-log";
import { complianceFacts, recoveryPoints } from "../catalog/compliance";
import { verifyAuditChain } from "../audit/verify";
import { feedRanges } from "../feed/plan";
import { parseJsonVar } from "../config";
import type { Env } from "../env";
import { sha256Hex, utf8 } from "../repo/bytes";

const LIST_LIMIT = 1000;

/** Actions that read or restore backup data: who accessed what (docs/AUDIT.md). */
const DATA_ACCESS = [
  "restore.requested",
  "restore.approved",
  "restore.rejected",
  "GET /admin/backup/:id/config",
  "GET /admin/config/diff",
  "test_restore.start",
  "POST /admin/backup/:id/test-restore",
];

/**
 * The compliance report for [from, to] (docs/RETENTION.md): backup success by type, RPO and RTO achieved against
 * target, test restores, retention enforced, legal holds, access to backup data, key operations, and the audit
 * chain's state. `digest` is the SHA-256 of the report without it, and generating it is audited with that digest,
 * so a report handed over later can be checked against the audit trail.
 */
export async function complianceReport(env: Env, from: string, to: string, by: string) {
  const db = env.CATALOG_DB;
  const targets = parseJsonVar(ComplianceTargets, env.COMPLIANCE_TARGETS, "COMPLIANCE_TARGETS", JSON.stringify(DEFAULT_TARGETS));
  const facts = await complianceFacts(db, from, to, { dataAccess: DATA_ACCESS, limit: LIST_LIMIT });

  const backups = facts.backups.map((r) => ({
    ...r,
    success_rate: r.completed + r.failed > 0 ? round(r.completed / (r.completed + r.failed)) : null,
  }));

  const rpo = [];
  const start = Date.parse(from);
  const end = Math.min(Date.parse(to), Date.now());
  for (const [component, target] of Object.entries(targets.rpo_seconds)) {
    // Backups are recovery points; for the database, so is every instant of its restorable ranges (which a break in
    // the change log ends, as for health's RPO); for sessions and assets, every instant their change feed carries a
    // backup to.
    const points = await recoveryPoints(db, component, new Date(start).toISOString(), new Date(end).toISOString());
    const covered = [
      ...points.map((t) => ({ from: t, to: t })),
      ...(component === "database" ? await restorableRanges(env) : []),
      ...(component === "sessions" || component === "assets" ? await feedRanges(env, component, end) : []),
    ];
    const worst = worstGapSeconds(start, end, covered);
    rpo.push({ component, target_seconds: target, worst_gap_seconds: worst, met: worst !== null && worst <= target });
  }

  const drills = facts.drills;
  const rtos = drills
    .filter((d) => d.status === "passed" && d.rto_ms !== null)
    .map((d) => d.rto_ms! / 1000)
    .sort((a, b) => a - b);
  const worstRto = rtos.length ? rtos[rtos.length - 1]! : null;

  const { forgotten, holdsPlaced, holdsReleased, holdsActive, access, rotations, retirements } = facts;
  const chain = await verifyAuditChain(env);

  const body = {
    report: "vaultline-compliance",
    version: 1,
    period: { from, to },
    generated_at: new Date().toISOString(),
    generated_by: by,
    backups,
    rpo,
    rto: {
      target_seconds: targets.rto_seconds,
      drills_passed: rtos.length,
      worst_seconds: worstRto,
      median_seconds: rtos.length ? rtos[Math.floor(rtos.length / 2)]! : null,
      met: worstRto !== null && worstRto <= targets.rto_seconds,
    },
    test_restores: {
      run: drills.length,
      passed: drills.filter((d) => d.status === "passed").length,
      failed: drills.filter((d) => d.status === "failed").length,
      items: drills,
    },
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

function round(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}

/**
 * The worst RPO in [start, end] (ms), in seconds: the longest stretch without a recovery point, each stretch running
 * from the last covered moment before it (before `start` too, when there was one). Null for an empty period.
 */
export function worstGapSeconds(start: number, end: number, covered: { from: number; to: number }[]): number | null {
  if (end <= start) return null;
  const sorted = [...covered].sort((a, b) => a.from - b.from);
  const before = sorted.filter((c) => c.from < start);
  let reached = before.length ? Math.min(start, Math.max(...before.map((c) => c.to))) : start;
  let worst = 0;
  for (const c of sorted) {
    if (c.from < start && c.to < start) continue;
    if (c.from >= end) break;
    worst = Math.max(worst, Math.max(c.from, start) - reached);
    reached = Math.max(reached, Math.min(c.to, end));
  }
  return Math.round(Math.max(worst, end - reached) / 1000);
}
