import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { BackupFacts, LegalHold, PolicySet } from "../../schemas/retention";
import { PERIODS } from "../../src/retention/periods";
import { evaluatePolicy } from "../../src/retention/policy";

const NOW = Date.parse("2026-11-29T12:00:00Z");
const DAY = 86_400_000;

const backupArb = fc.record({
  ageMs: fc.oneof(fc.integer({ min: 0, max: 800 * DAY }), fc.integer({ min: -30 * DAY, max: -1 })), // a few forged future dates
  type: fc.constantFrom("full_database", "assets", "config", "monthly_archive"),
  failed: fc.boolean().map((f) => f && Math.random() < 0.3),
});

const historyArb = fc.array(backupArb, { minLength: 0, maxLength: 120 }).map((list) =>
  list.map((b, i): BackupFacts => {
    const at = new Date(NOW - b.ageMs).toISOString();
    return {
      id: `bk_${String(i).padStart(4, "0")}`,
      type: b.type,
      components: b.type === "assets" ? ["assets"] : ["database"],
      status: b.failed ? "failed" : "completed",
      at,
      parent_id: null,
      base_backup_id: null,
    };
  }),
);

const keepArb = fc.record(
  {
    last: fc.integer({ min: 0, max: 5 }),
    hourly: fc.integer({ min: 0, max: 6 }),
    daily: fc.integer({ min: 0, max: 10 }),
    weekly: fc.integer({ min: 0, max: 6 }),
    monthly: fc.integer({ min: 0, max: 6 }),
    yearly: fc.integer({ min: 0, max: 3 }),
    within_days: fc.integer({ min: 0, max: 60 }),
  },
  { requiredKeys: [] },
);

const policyArb = fc
  .record({ floor: fc.integer({ min: 1, max: 40 }), keep: keepArb })
  .map(({ floor, keep }): PolicySet => ({ min_retention_days: floor, rules: [{ match: {}, keep }] }));

function holdsArb(history: BackupFacts[]) {
  return fc.subarray(history).map((held) =>
    held.map(
      (b, i): LegalHold => ({
        id: `lh_${i}`,
        backup_id: b.id,
        component: null,
        from_at: null,
        to_at: null,
        reason: "litigation",
        placed_by: "x",
        placed_at: "",
        released_at: null,
      }),
    ),
  );
}

/** An oracle written independently of src/retention/policy.ts: per period, the newest backup of each of the n newest periods. */
function expectedKept(history: BackupFacts[], policy: PolicySet, held: Set<string>): Set<string> {
  const keep = new Set<string>();
  const k = policy.rules[0]!.keep;
  const future = (b: BackupFacts) => Date.parse(b.at) > NOW + 5 * 60_000;
  for (const b of history) {
    if (held.has(b.id) || NOW - Date.parse(b.at) < policy.min_retention_days * DAY || future(b)) keep.add(b.id);
  }
  const counted = history.filter((b) => b.status === "completed" && !future(b));
  const byTime = (a: BackupFacts, b: BackupFacts) => Date.parse(b.at) - Date.parse(a.at) || (b.id > a.id ? 1 : -1);
  counted
    .sort(byTime)
    .slice(0, k.last ?? 0)
    .forEach((b) => {
      keep.add(b.id);
    });
  for (const p of ["hourly", "daily", "weekly", "monthly", "yearly"] as const) {
    const newestPerKey = new Map<string, BackupFacts>();
    for (const b of counted) {
      const key = PERIODS[p](new Date(b.at));
      const cur = newestPerKey.get(key);
      if (!cur || byTime(b, cur) < 0) newestPerKey.set(key, b);
    }
    [...newestPerKey.values()]
      .sort(byTime)
      .slice(0, k[p] ?? 0)
      .forEach((b) => {
        keep.add(b.id);
      });
  }
  if (k.within_days !== undefined) for (const b of counted) if (NOW - Date.parse(b.at) <= k.within_days * DAY) keep.add(b.id);
  return keep;
}

describe("retention policy (property tests)", () => {
  it("never forgets a held backup or one inside the minimum retention", () => {
    fc.assert(
      fc.property(
        historyArb.chain((h) => fc.tuple(fc.constant(h), policyArb, holdsArb(h))),
        ([history, policy, holds]) => {
          const decisions = evaluatePolicy(history, policy, holds, NOW);
          const held = new Set(holds.map((h) => h.backup_id));
          for (const d of decisions) {
            const b = history.find((x) => x.id === d.id)!;
            if (held.has(d.id))
              expect(d).toMatchObject({ keep: true, reasons: expect.arrayContaining([expect.stringMatching(/^legal hold lh_/)]) });
            if (NOW - Date.parse(b.at) < policy.min_retention_days * DAY) expect(d.keep).toBe(true);
            expect(d.reasons.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("keeps exactly the set an independent model of the rules keeps", () => {
    fc.assert(
      fc.property(
        historyArb.chain((h) => fc.tuple(fc.constant(h), policyArb, holdsArb(h))),
        ([history, policy, holds]) => {
          const kept = new Set(
            evaluatePolicy(history, policy, holds, NOW)
              .filter((d) => d.keep)
              .map((d) => d.id),
          );
          expect([...kept].sort()).toEqual([...expectedKept(history, policy, new Set(holds.map((h) => h.backup_id!)))].sort());
        },
      ),
      { numRuns: 300 },
    );
  });

  it("is idempotent: applied to what it keeps, it keeps all of it", () => {
    fc.assert(
      fc.property(
        historyArb.chain((h) => fc.tuple(fc.constant(h), policyArb, holdsArb(h))),
        ([history, policy, holds]) => {
          const kept = evaluatePolicy(history, policy, holds, NOW)
            .filter((d) => d.keep)
            .map((d) => d.id);
          const again = evaluatePolicy(
            history.filter((b) => kept.includes(b.id)),
            policy,
            holds,
            NOW,
          );
          expect(again.every((d) => d.keep)).toBe(true);
          expect(evaluatePolicy(history, policy, holds, NOW)).toEqual(evaluatePolicy(history, policy, holds, NOW));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("retention policy (examples)", () => {
  const b = (id: string, at: string, extra: Partial<BackupFacts> = {}): BackupFacts => ({
    id,
    type: "full_database",
    components: ["database"],
    status: "completed",
    at,
    parent_id: null,
    base_backup_id: null,
    ...extra,
  });
  const policy: PolicySet = { min_retention_days: 2, rules: [{ match: {}, keep: { daily: 2, monthly: 2 } }] };

  it("says why: the period it keeps, the floor, a hold; and why a backup goes", () => {
    const history = [
      b("bk_a", "2026-11-29T02:00:00Z"),
      b("bk_b", "2026-11-28T02:00:00Z"),
      b("bk_c", "2026-11-27T02:00:00Z"),
      b("bk_d", "2026-11-26T02:00:00Z"),
      b("bk_e", "2026-10-31T02:00:00Z"),
      b("bk_f", "2026-09-30T02:00:00Z"),
    ];
    const holds: LegalHold[] = [
      {
        id: "lh_1",
        backup_id: "bk_f",
        component: null,
        from_at: null,
        to_at: null,
        reason: "case 42",
        placed_by: "x",
        placed_at: "",
        released_at: null,
      },
    ];
    const d = Object.fromEntries(evaluatePolicy(history, policy, holds, NOW).map((x) => [x.id, x]));
    expect(d.bk_a!.reasons).toEqual(["minimum retention (2 days)", "daily 2026-11-29", "monthly 2026-11"]);
    expect(d.bk_b!.reasons).toEqual(["minimum retention (2 days)", "daily 2026-11-28"]);
    expect(d.bk_c).toEqual({ id: "bk_c", keep: false, reasons: ["no rule keeps it"] });
    expect(d.bk_e!.reasons).toEqual(["monthly 2026-10"]);
    expect(d.bk_f).toMatchObject({ keep: true, reasons: ["legal hold lh_1: case 42"] });
  });

  it("a forged future date neither counts nor pushes real backups out; components follow their system backup; a kept incremental keeps its base", () => {
    const history = [
      b("bk_forged", "2027-06-01T00:00:00Z"),
      b("bk_real", "2026-11-20T02:00:00Z"),
      b("bk_sys", "2026-10-01T02:00:00Z", { type: "full_system" }),
      b("bk_sys_database", "2026-10-01T02:00:00Z", { parent_id: "bk_sys" }),
      b("bk_base", "2026-09-01T02:00:00Z"),
      b("bk_inc", "2026-11-21T02:00:00Z", { type: "incremental_database", base_backup_id: "bk_base" }),
    ];
    const d = Object.fromEntries(
      evaluatePolicy(history, { min_retention_days: 1, rules: [{ match: {}, keep: { last: 2 } }] }, [], NOW).map((x) => [x.id, x]),
    );
    expect(d.bk_forged!.reasons).toEqual(["dated in the future: kept, not counted by any rule"]);
    expect(d.bk_inc!.reasons).toEqual(["last 1"]);
    expect(d.bk_real!.reasons).toEqual(["last 2"]);
    expect(d.bk_base!.reasons).toEqual(["base of bk_inc"]);
    expect(d.bk_sys!.keep).toBe(false);
    expect(d.bk_sys_database).toEqual({ id: "bk_sys_database", keep: false, reasons: ["no rule keeps it"] });
  });
});
