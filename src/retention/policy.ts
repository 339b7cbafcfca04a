import type { BackupFacts, Decision, KeepRule, LegalHold, PolicySet } from "../../schemas/retention";
import { type Period, PERIODS } from "./periods";

const DAY = 86_400_000;
/** A backup dated further ahead than this is not trusted to count toward any rule (it is kept, not counted). */
const FUTURE_SLACK_MS = 5 * 60_000;

/** Whether an active hold covers a backup: by id, or by component (or any) and completion time. */
export function holdsOn(b: BackupFacts, holds: LegalHold[]): LegalHold[] {
  return holds.filter((h) => {
    if (h.released_at) return false;
    if (h.backup_id) return h.backup_id === b.id;
    if (h.component && !b.components.includes(h.component)) return false;
    return (!h.from_at || b.at >= h.from_at) && (!h.to_at || b.at <= h.to_at);
  });
}

function matches(b: BackupFacts, m: PolicySet["rules"][number]["match"]): boolean {
  return (!m.type || m.type === b.type) && (!m.component || b.components.includes(m.component));
}

/**
 * Decides, for every backup, keep or forget and why (docs/RETENTION.md). Pure: the same history, policy, holds and
 * `now` give the same answer, and applying it to the backups it keeps keeps them all (idempotent).
 *
 * Order of reasons: in progress, legal hold, in use, minimum retention (the floor no rule undercuts, which also
 * keeps a real backup that planted, forged-date backups would otherwise push out), then each rule. Component backups
 * of a system backup follow their parent; the base of a kept incremental is kept.
 */
export function evaluatePolicy(backups: BackupFacts[], policy: PolicySet, holds: LegalHold[], now: number): Decision[] {
  const reasons = new Map<string, string[]>(backups.map((b) => [b.id, []]));
  const add = (id: string, r: string) => reasons.get(id)?.push(r);
  const top = backups.filter((b) => !b.parent_id || !reasons.has(b.parent_id));
  const groups = new Map<number, BackupFacts[]>();

  for (const b of top) {
    const at = Date.parse(b.at);
    if (b.status !== "completed" && b.status !== "failed") add(b.id, `in progress (${b.status})`);
    for (const h of holdsOn(b, holds)) add(b.id, `legal hold ${h.id}: ${h.reason}`);
    if (b.in_use) add(b.id, "in use by a restore");
    if (at > now + FUTURE_SLACK_MS) {
      add(b.id, "dated in the future: kept, not counted by any rule");
      continue;
    }
    if (now - at < policy.min_retention_days * DAY) add(b.id, `minimum retention (${policy.min_retention_days} days)`);
    if (b.status !== "completed") continue;
    const rule = policy.rules.findIndex((r) => matches(b, r.match));
    if (rule < 0) {
      add(b.id, "no rule matches its type: kept");
      continue;
    }
    groups.set(rule, [...(groups.get(rule) ?? []), b]);
  }
  for (const [i, group] of groups) applyRule(group, policy.rules[i]!.keep, now, add);

  // A kept incremental needs its base; a system backup's components follow it.
  for (const b of top) {
    if (b.base_backup_id && reasons.get(b.id)!.length > 0) {
      const base = backups.find((x) => x.id === b.base_backup_id);
      const owner = base?.parent_id && reasons.has(base.parent_id) ? base.parent_id : base?.id;
      if (owner) add(owner, `base of ${b.id}`);
    }
  }
  return backups.map((b) => {
    const own =
      b.parent_id && reasons.has(b.parent_id) ? reasons.get(b.parent_id)!.map((r) => `part of ${b.parent_id}: ${r}`) : reasons.get(b.id)!;
    if (own.length > 0) return { id: b.id, keep: true, reasons: own };
    return { id: b.id, keep: false, reasons: [b.status === "failed" ? "failed, past the minimum retention" : "no rule keeps it"] };
  });
}

function applyRule(group: BackupFacts[], keep: KeepRule, now: number, add: (id: string, r: string) => void): void {
  const newest = [...group].sort((a, b) => (a.at === b.at ? (a.id < b.id ? 1 : -1) : a.at < b.at ? 1 : -1));
  newest.slice(0, keep.last ?? 0).forEach((b, i) => {
    add(b.id, `last ${i + 1}`);
  });
  for (const period of ["hourly", "daily", "weekly", "monthly", "yearly"] as Period[]) {
    const n = keep[period] ?? 0;
    const seen = new Set<string>();
    for (const b of newest) {
      if (seen.size >= n) break;
      const key = PERIODS[period](new Date(b.at));
      if (seen.has(key)) continue;
      seen.add(key);
      add(b.id, `${period} ${key}`);
    }
  }
  if (keep.within_days !== undefined) {
    for (const b of newest) if (now - Date.parse(b.at) <= keep.within_days * DAY) add(b.id, `within ${keep.within_days} days`);
  }
}

/** The policy in force when none was ever set: BACKUP_RETENTION_DAYS as the floor and the daily window. */
export function defaultPolicy(retentionDays: number): PolicySet {
  return {
    min_retention_days: retentionDays,
    rules: [
      { match: { type: "monthly_archive" }, keep: { monthly: 24, yearly: 10 } },
      { match: {}, keep: { last: 3, daily: retentionDays, weekly: 8, monthly: 6 } },
    ],
    infrequent_access_after_days: 90,
  };
}
