/**
 * Destructive changes other than restores (docs/ACCESS.md, "Two people"): lowering the retention policy, releasing a
 * legal hold, removing change capture, retiring a master key. The request comes from a person signed in with a
 * second factor and only records what would happen; a second person (an approver, with a second factor, not the
 * requester) approves it; then it is carried out, at once or, for a weakened policy, after POLICY_WEAKEN_DELAY_HOURS.
 */
import { ChangePayload, type ChangeView } from "../../schemas/changes";
import type { PolicySet } from "../../schemas/retention";
import { audit } from "../catalog/audit-log";
import {
  type ChangeRow,
  decideChange,
  dueChanges,
  expireChanges,
  finishChange,
  getChange,
  insertChange,
  pendingChange,
} from "../catalog/change-requests";
import { removeCapture } from "../capture/install";
import { hasChangeLog } from "../capture/log";
import { CAPTURE_SOURCE } from "../capture/ship";
import { shipper } from "../capture/shipper-object";
import type { Env } from "../env";
import { ConflictError, ForbiddenError, NotFoundError, VaultlineError } from "../errors";
import { newId } from "../ids";
import { retireMasterKey } from "../key-management/retire";
import { approvalHours } from "../restore/settings";
import { releaseHold } from "../retention/holds";
import { setPolicy } from "../retention/policies";

/** POLICY_WEAKEN_DELAY_HOURS: 24 unless set to a number of hours, 0 included (apply on approval). */
export function weakenDelayHours(env: Env): number {
  const raw = env.POLICY_WEAKEN_DELAY_HOURS?.trim();
  const n = Number(raw);
  return raw && Number.isFinite(n) && n >= 0 ? n : 24;
}

/**
 * Whether `next` could forget a backup `current` keeps: a lower floor, a rule removed, reordered or matching
 * differently, or any count or window lowered. Structural changes count as weakening; only raising is not.
 */
export function weakens(current: PolicySet, next: PolicySet): string | null {
  if (next.min_retention_days < current.min_retention_days)
    return `min_retention_days ${current.min_retention_days} → ${next.min_retention_days}`;
  if (next.rules.length !== current.rules.length) return `rules ${current.rules.length} → ${next.rules.length}`;
  for (const [i, r] of current.rules.entries()) {
    const n = next.rules[i]!;
    if (JSON.stringify(n.match) !== JSON.stringify(r.match)) return `rule ${i + 1} matches other backups`;
    for (const k of ["last", "hourly", "daily", "weekly", "monthly", "yearly", "within_days"] as const) {
      if ((n.keep[k] ?? 0) < (r.keep[k] ?? 0)) return `rule ${i + 1} keeps ${k} ${r.keep[k] ?? 0} → ${n.keep[k] ?? 0}`;
    }
  }
  return null;
}

/** Records a request; nothing changes yet. One open request per kind and target. */
export async function requestChange(
  env: Env,
  r: { payload: ChangePayload; target: string; summary: string; by: string },
): Promise<ChangeView> {
  const open = await pendingChange(env.CATALOG_DB, r.payload.kind, r.target);
  if (open) throw new ConflictError(`change ${open} to ${r.target} is already waiting; approve, reject or let it expire first`);
  const now = new Date();
  const row = {
    id: newId("cr", now),
    kind: r.payload.kind,
    target: r.target,
    payload: JSON.stringify(r.payload),
    summary: r.summary,
    requested_by: r.by,
    requested_at: now.toISOString(),
    expires_at: new Date(now.getTime() + approvalHours(env) * 3_600_000).toISOString(),
  };
  await audit(env.CATALOG_DB, {
    actor: r.by,
    action: "change.requested",
    target: row.id,
    outcome: 1,
    detail: { kind: row.kind, target: row.target, summary: row.summary },
  });
  await insertChange(env.CATALOG_DB, row);
  return changeView((await getChange(env.CATALOG_DB, row.id))!);
}

/**
 * A second person's decision. An approval of a weakened policy takes effect after the delay; any other approved
 * change is carried out now (its answer says how that went).
 */
export async function decide(
  env: Env,
  id: string,
  d: { decision: "approve" | "reject"; by: string; comment: string },
): Promise<ChangeView> {
  const row = await getChange(env.CATALOG_DB, id);
  if (!row) throw new NotFoundError(`change request ${id} not found`);
  if (row.requested_by === d.by)
    throw new ForbiddenError(`${d.by} requested change ${id} and cannot ${d.decision} it: a second person must`);
  if (row.status !== "awaiting_approval") throw new ConflictError(`change ${id} is ${row.status}, not awaiting approval`);
  if (Date.parse(row.expires_at) <= Date.now()) throw new ConflictError(`change ${id} expired at ${row.expires_at}`);
  const approve = d.decision === "approve";
  const effective = approve ? new Date(Date.now() + (row.kind === "policy" ? weakenDelayHours(env) * 3_600_000 : 0)).toISOString() : null;
  // Audited before it counts: an approval without its entry is no approval.
  await audit(env.CATALOG_DB, {
    actor: d.by,
    action: approve ? "change.approved" : "change.rejected",
    target: id,
    outcome: 1,
    detail: { kind: row.kind, target: row.target, comment: d.comment, ...(effective ? { effective_at: effective } : {}) },
  });
  if (
    !(await decideChange(env.CATALOG_DB, id, {
      status: approve ? "approved" : "rejected",
      by: d.by,
      comment: d.comment,
      effective_at: effective,
    }))
  )
    throw new ConflictError(`change ${id} has already been decided`);
  // Due now (anything but a weakened policy, or POLICY_WEAKEN_DELAY_HOURS=0): carried out at once.
  if (approve && Date.parse(effective!) <= Date.now()) await applyChange(env, (await getChange(env.CATALOG_DB, id))!);
  return changeView((await getChange(env.CATALOG_DB, id))!);
}

/** Carries out approved changes whose time has come, and expires undecided ones. Runs on every cron. */
export async function applyDueChanges(env: Env, now = new Date()): Promise<{ applied: string[]; expired: number }> {
  const expired = await expireChanges(env.CATALOG_DB, now.toISOString());
  const applied: string[] = [];
  for (const row of await dueChanges(env.CATALOG_DB, now.toISOString())) {
    await applyChange(env, row);
    applied.push(row.id);
  }
  return { applied, expired };
}

async function applyChange(env: Env, row: ChangeRow): Promise<void> {
  const payload = ChangePayload.parse(JSON.parse(row.payload));
  const by = `${row.requested_by} (approved by ${row.decided_by})`;
  try {
    if (payload.kind === "policy") await setPolicy(env, payload.policy, by);
    else if (payload.kind === "hold_release") for (const h of payload.hold_ids) await releaseHold(env, h, by, payload.reason);
    else if (payload.kind === "capture_remove") {
      const db = env[CAPTURE_SOURCE];
      if (await hasChangeLog(db)) await shipper(env).ship();
      await removeCapture(db);
    } else await retireMasterKey(env, payload.kek_id, by);
    if (await finishChange(env.CATALOG_DB, row.id, { status: "applied" }))
      await audit(env.CATALOG_DB, {
        actor: "system:changes",
        action: "change.applied",
        target: row.id,
        outcome: 1,
        detail: { kind: row.kind },
      });
  } catch (e) {
    const message = e instanceof VaultlineError ? `[${e.code}] ${e.message}` : (e as Error).message;
    await finishChange(env.CATALOG_DB, row.id, { status: "failed", error: message });
    await audit(env.CATALOG_DB, {
      actor: "system:changes",
      action: "change.failed",
      target: row.id,
      outcome: 0,
      detail: { kind: row.kind, error: message },
    });
  }
}

export function changeView(r: ChangeRow): ChangeView {
  return {
    change_id: r.id,
    kind: r.kind,
    target: r.target,
    summary: r.summary,
    requested_by: r.requested_by,
    requested_at: r.requested_at,
    expires_at: r.expires_at,
    status: r.status,
    decided_by: r.decided_by,
    decided_at: r.decided_at,
    comment: r.comment,
    effective_at: r.effective_at,
    applied_at: r.applied_at,
    error: r.error,
    payload: ChangePayload.parse(JSON.parse(r.payload)),
  };
}
