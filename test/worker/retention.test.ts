import { describe, expect, it } from "vitest";
import { Layout } from "../../src/repo/layout";
import { api, env, runBackup, runRestore, seedWithEdgeCases, snapshot, userSnapshot, waitFor } from "./helpers";
import { applyPolicy, approveChange, backdate, runRetention } from "./helpers";

const DAY = 86_400_000;
/** Keep the two newest; anything else older than a day goes. */
const POLICY = { min_retention_days: 1, rules: [{ match: {}, keep: { last: 2 } }] };

/** Lowers the policy the two-person way (alice asks, bob approves; the delay is skipped): helpers.ts applyPolicy. */
async function setPolicy(policy: unknown = POLICY) {
  const applied = await applyPolicy(policy);
  expect(applied.policy).toMatchObject(policy as object);
}

const retention = runRetention;

async function check() {
  const started = await api("POST", "/admin/repository/check", { as: "operator" });
  return waitFor(
    async () => (await api("GET", `/admin/repository/checks/${started.json.check_id}`)).json,
    (r) => r.status !== "running",
    120_000,
  );
}

async function countObjects(prefix: string) {
  let n = 0;
  let cursor: string | undefined;
  do {
    const page = await env.BACKUP_BUCKET.list({ prefix, cursor });
    n += page.objects.length;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return n;
}

/** A distinct database state: every 5th user renamed with `tag`, so each backup has chunks of its own. */
async function change(tag: string) {
  await env.OIDC_DB.prepare(`UPDATE users SET name = ? || id WHERE id % 5 = 0`).bind(tag).run();
}

async function restoresExactly(backupId: string, expected: unknown) {
  const r = await runRestore(backupId, "test");
  expect(r.status, JSON.stringify(r.error)).toBe("completed");
  expect(await snapshot(env.RESTORE_TARGET_DB)).toEqual(expected);
}

describe("retention policies and legal holds", () => {
  it("policies: the default from BACKUP_RETENTION_DAYS, then versions set by an admin, validated and audited; preview changes nothing", async () => {
    const initial = (await api("GET", "/admin/backup/policies", { as: "auditor" })).json;
    // The test environment's BACKUP_RETENTION_DAYS is 1 (vitest.config.ts).
    expect(initial).toMatchObject({ version: 0, policy: { min_retention_days: 1 } });
    const bad = await api("PUT", "/admin/backup/policies", { body: { min_retention_days: 0, rules: [] } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.field).toBe("min_retention_days");
    const unknown = await api("PUT", "/admin/backup/policies", { body: { ...POLICY, rules: [{ match: {}, keep: { fortnightly: 2 } }] } });
    expect(unknown.json.error.message).toMatch(/fortnightly/);
    expect((await api("PUT", "/admin/backup/policies", { as: "operator", body: POLICY })).status).toBe(403);
    await setPolicy();
    expect((await api("GET", "/admin/backup/policies")).json).toMatchObject({
      version: 1,
      policy: POLICY,
      set_by: "alice@admin (approved by bob@approve)",
    });
    const audited = await env.CATALOG_DB.prepare(`SELECT actor, target, detail FROM audit_log WHERE action = 'policy.changed'`).first();
    expect(audited).toEqual({
      actor: "alice@admin (approved by bob@approve)",
      target: "retention v1",
      detail: JSON.stringify({ from_version: 0, to_version: 1 }),
    });

    await seedWithEdgeCases(env.OIDC_DB, 20);
    const [a, b, c] = [await runBackup(), await runBackup(), await runBackup()];
    await backdate(a.backup_id, 3);
    const preview = (await api("POST", "/admin/backup/retention/preview", { body: {} })).json;
    const byId = Object.fromEntries(preview.decisions.map((d: any) => [d.id, d]));
    expect(byId[a.backup_id]).toEqual({ id: a.backup_id, keep: false, reasons: ["no rule keeps it"] });
    expect(byId[b.backup_id].reasons).toEqual(["minimum retention (1 days)", "last 2"]);
    expect(byId[c.backup_id].reasons).toEqual(["minimum retention (1 days)", "last 1"]);
    // A proposed policy previews without being stored.
    const proposed = (
      await api("POST", "/admin/backup/retention/preview", {
        body: { policy: { min_retention_days: 5, rules: [{ match: {}, keep: {} }] } },
      })
    ).json;
    expect(proposed.decisions.find((d: any) => d.id === a.backup_id).reasons).toEqual(["minimum retention (5 days)"]);
    expect((await api("GET", `/admin/backup/${a.backup_id}`)).json.status).toBe("completed");
  });

  it("a held backup is never forgotten, by id or by component and date range; holds and releases are audited", async () => {
    await setPolicy();
    await seedWithEdgeCases(env.OIDC_DB, 20);
    const old = await runBackup();
    const older = await runBackup();
    await runBackup();
    await runBackup();
    await backdate(old.backup_id, 10);
    await backdate(older.backup_id, 20);
    const byId = await api("POST", `/admin/backup/${old.backup_id}/legal-hold`, { body: { reason: "case 2026-117: preserve" } });
    expect(byId.status).toBe(201);
    const range = await api("POST", "/admin/legal-holds", {
      body: {
        component: "database",
        from: new Date(Date.now() - 25 * DAY).toISOString(),
        to: new Date(Date.now() - 15 * DAY).toISOString(),
        reason: "regulator inquiry",
      },
    });
    expect(range.status, JSON.stringify(range.json)).toBe(201);
    expect(
      (await api("POST", "/admin/legal-holds", { body: { from: "2026-02-01T00:00:00Z", to: "2026-01-01T00:00:00Z", reason: "x y z" } }))
        .json.error.field,
    ).toBe("to");

    const run = await retention();
    expect(run.status, JSON.stringify(run.error)).toBe("completed");
    expect(run.report.forgotten).toEqual([]);
    const preview = (await api("POST", "/admin/backup/retention/preview", { body: {} })).json;
    expect(preview.decisions.find((d: any) => d.id === old.backup_id).reasons).toEqual([
      `legal hold ${byId.json.id}: case 2026-117: preserve`,
    ]);
    expect(preview.decisions.find((d: any) => d.id === older.backup_id).reasons).toEqual([
      `legal hold ${range.json.id}: regulator inquiry`,
    ]);

    // Released, the next run forgets them.
    // Released only once a second person approves each release.
    const byBackup = await api("POST", `/admin/backup/${old.backup_id}/legal-hold/release`, {
      as: "alice",
      body: { reason: "case closed" },
    });
    expect(byBackup.status).toBe(202);
    expect((await approveChange(byBackup.json.change_id)).status).toBe("applied");
    const byRange = await api("POST", `/admin/legal-holds/${range.json.id}/release`, { as: "alice", body: { reason: "inquiry closed" } });
    expect(byRange.status).toBe(202);
    expect((await approveChange(byRange.json.change_id)).status).toBe("applied");
    expect((await api("POST", `/admin/legal-holds/${range.json.id}/release`, { as: "alice", body: { reason: "again" } })).status).toBe(409);
    const after = await retention();
    expect(after.report.forgotten.sort()).toEqual([old.backup_id, older.backup_id].sort());
    expect((await api("GET", `/admin/backup/${old.backup_id}`)).json).toMatchObject({ status: "forgotten" });
    expect(await env.BACKUP_BUCKET.head(Layout.manifest(old.backup_id))).toBeNull();
    const actions = (
      await env.CATALOG_DB.prepare(
        `SELECT action FROM audit_log WHERE action LIKE 'legal_hold.%' OR action = 'backup.forgotten' ORDER BY id`,
      ).all<{ action: string }>()
    ).results.map((r) => r.action);
    expect(actions).toEqual([
      "legal_hold.placed",
      "legal_hold.placed",
      "legal_hold.released",
      "legal_hold.released",
      "backup.forgotten",
      "backup.forgotten",
    ]);
  });
});

describe("forget and prune", () => {
  it("backups, forgets and prunes interleave: a backup runs during the prune, fossils come back when a new backup needs them, and every remaining backup restores exactly", async () => {
    await setPolicy();
    await seedWithEdgeCases(env.OIDC_DB, 200);
    const states: Record<string, unknown> = {};
    const backups: string[] = [];
    for (const tag of ["one-", "two-", "three-"]) {
      await change(tag);
      const b = await runBackup();
      backups.push(b.backup_id);
      states[b.backup_id] = await snapshot(env.OIDC_DB);
    }
    await backdate(backups[0]!, 5);
    await backdate(backups[1]!, 4);
    await backdate(backups[2]!, 3);
    // Two newer ones: the first three become forgettable (only the last two are kept).
    await change("four-");
    const four = await runBackup();
    states[four.backup_id] = await snapshot(env.OIDC_DB);
    await change("five-");
    const five = await runBackup();
    states[five.backup_id] = await snapshot(env.OIDC_DB);
    const chunksBefore = await countObjects(Layout.chunkPrefix);

    // A backup of the state "one-" starts while the retention runs: it may find, or not, the chunks being fossilized.
    await change("one-");
    const running = await api("POST", "/admin/backup/create", { body: { type: "full_database" } });
    const first = await retention();
    expect(first.status, JSON.stringify(first.error)).toBe("completed");
    expect(first.report.forgotten.sort()).toEqual(backups.sort());
    const six = await waitFor(
      async () => (await api("GET", `/admin/backup/${running.json.backup_id}`)).json,
      (b) => b.status === "completed" || b.status === "failed",
    );
    expect(six.status).toBe("completed");
    states[six.backup_id] = await snapshot(env.OIDC_DB);
    expect(first.report.phase_one.fossilized).toBeGreaterThan(0);
    expect(await countObjects(Layout.fossilPrefix)).toBe(first.report.phase_one.fossilized);
    // Between the phases every remaining backup restores (a fossil is still readable) and the check passes.
    expect(await check()).toMatchObject({ status: "passed", report: { ok: true, missing: [], unreadable: [] } });

    // A backup of state "two-" again, after phase one: it does not find those chunks (they are fossils) and stores
    // them again, so phase two finds its fossils referenced.
    await change("two-");
    const seven = await runBackup();
    states[seven.backup_id] = await snapshot(env.OIDC_DB);

    // Phase two: fossils no backup needs are deleted; the ones a backup references go back (or just go, when stored again).
    const second = await retention();
    expect(second.status, JSON.stringify(second.error)).toBe("completed");
    expect(second.report.phase_two.deleted).toBeGreaterThan(0);
    expect(second.report.phase_two.freed_bytes).toBeGreaterThan(0);
    expect(second.report.phase_two.resurrected).toBeGreaterThan(0);
    expect(second.report.phase_two.deleted + second.report.phase_two.resurrected).toBe(first.report.phase_one.fossilized);
    expect(await countObjects(Layout.chunkPrefix)).toBeLessThan(chunksBefore + 1);

    expect(await check()).toMatchObject({ status: "passed", report: { ok: true } });
    for (const id of [four.backup_id, five.backup_id, six.backup_id, seven.backup_id]) await restoresExactly(id, states[id]);
    for (const id of backups)
      expect((await api("POST", "/admin/backup/restore", { body: { backup_id: id, target_environment: "test" } })).status).toBe(409);
  });

  it("phase two waits while a backup that was running during phase one has not ended", async () => {
    await setPolicy();
    await seedWithEdgeCases(env.OIDC_DB, 30);
    await change("a-");
    const old = await runBackup();
    await backdate(old.backup_id, 5);
    await change("b-");
    await runBackup();
    await change("c-");
    await runBackup();
    const first = await retention();
    expect(first.report.phase_one.fossilized).toBeGreaterThan(0);
    // A backup created before phase one ended, still running (as if stuck).
    await env.CATALOG_DB.prepare(
      `INSERT INTO backups (id, type, components, status, requested_by, trigger, created_at, updated_at) VALUES ('bk_stuck_1', 'full_database', '["database"]', 'running', 'x', 'api', ?, ?)`,
    )
      .bind(new Date(Date.now() - 60_000).toISOString(), new Date().toISOString())
      .run();
    const waiting = await retention();
    expect(waiting.report.phase_two).toEqual({ collection: first.id, waiting_for: ["bk_stuck_1"] });
    expect(await countObjects(Layout.fossilPrefix)).toBe(first.report.phase_one.fossilized);
    await env.CATALOG_DB.prepare(`UPDATE backups SET status = 'failed' WHERE id = 'bk_stuck_1'`).run();
    const done = await retention();
    expect(done.report.phase_two.deleted).toBe(first.report.phase_one.fossilized);
    expect(await countObjects(Layout.fossilPrefix)).toBe(0);
  });

  it("a crash between forgetting's steps leaves a consistent repository that the next run finishes", async () => {
    await setPolicy();
    await seedWithEdgeCases(env.OIDC_DB, 20);
    const a = await runBackup();
    await runBackup();
    await runBackup();
    await backdate(a.backup_id, 5);
    // As if a run stopped after marking it forgetting, before deleting the manifest.
    await env.CATALOG_DB.prepare(`UPDATE backups SET status = 'forgetting', forget_reason = 'no rule keeps it' WHERE id = ?`)
      .bind(a.backup_id)
      .run();
    expect(await check()).toMatchObject({ status: "passed", report: { interrupted_forgets: [a.backup_id] } });
    const run = await retention();
    expect(run.report.forgotten).toContain(a.backup_id);
    expect(await check()).toMatchObject({ status: "passed", report: { interrupted_forgets: [] } });
  });

  it("the check fails, naming the backup and the chunk, when a referenced chunk is gone", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 20);
    const b = await runBackup();
    const first = (await env.BACKUP_BUCKET.list({ prefix: Layout.chunkPrefix, limit: 1 })).objects[0]!.key;
    await env.BACKUP_BUCKET.delete(first);
    const r = await check();
    expect(r.status).toBe("failed");
    expect(r.report.missing).toEqual([{ backup_id: b.backup_id, chunk: Layout.chunkIdOf(first) }]);
  });
});

describe("storage tiers", () => {
  it("chunks only a monthly archive or an old backup references move to InfrequentAccess, and those backups still restore exactly", async () => {
    await setPolicy({ min_retention_days: 1, rules: [{ match: {}, keep: { within_days: 365 } }], infrequent_access_after_days: 30 });
    await seedWithEdgeCases(env.OIDC_DB, 200);
    await change("archived-");
    const created = await api("POST", "/admin/backup/create", { body: { type: "monthly_archive" } });
    const archive = await waitFor(
      async () => (await api("GET", `/admin/backup/${created.json.backup_id}`)).json,
      (b) => b.status === "completed" || b.status === "failed",
      120_000,
    );
    expect(archive.status).toBe("completed");
    const archived = await snapshot(env.OIDC_DB);
    await change("old-");
    const old = await runBackup();
    const oldState = await snapshot(env.OIDC_DB);
    await backdate(old.backup_id, 40);
    await change("current-");
    const current = await runBackup();
    const currentState = await snapshot(env.OIDC_DB);

    const run = await retention();
    expect(run.status, JSON.stringify(run.error)).toBe("completed");
    expect(run.report.forgotten).toEqual([]);
    expect(run.report.tiers.cooled).toBeGreaterThan(0);
    const cold = await env.BACKUP_BUCKET.list({ prefix: Layout.coldPrefix });
    expect(cold.objects.length).toBe(run.report.tiers.cooled);
    // Chunks the current backup shares with the others stay in Standard.
    const storage = (await api("GET", "/admin/backup/storage")).json;
    expect(storage.tiers.find((t: any) => t.tier === "InfrequentAccess").bytes).toBeGreaterThan(0);
    expect(storage.tiers.find((t: any) => t.tier === "Standard").bytes).toBeGreaterThan(0);

    // The archive's database component reads its chunks from the InfrequentAccess tier.
    await restoresExactly(`${archive.backup_id}_database`, archived);
    await restoresExactly(old.backup_id, oldState);
    await restoresExactly(current.backup_id, currentState);
    expect(await check()).toMatchObject({ status: "passed" });
  });
});

describe("storage monitoring", () => {
  it("usage per area and tier with a cost estimate, logical bytes per component, the dedup ratio, and when the trend reaches the budget", async () => {
    await setPolicy({ ...POLICY, storage_budget_bytes: 50_000_000 });
    await seedWithEdgeCases(env.OIDC_DB, 100);
    await runBackup();
    await runBackup();
    await runBackup();
    // Two earlier samples, as if taken on the two days before: the bucket grew by 1 MB a day.
    const now = (await api("POST", "/admin/backup/storage/sample", { as: "operator" })).json;
    const total = now.areas.reduce((n: number, a: any) => n + a.bytes, 0);
    for (const [days, bytes] of [
      [2, total - 2_000_000],
      [1, total - 1_000_000],
    ]) {
      await env.CATALOG_DB.prepare(
        `INSERT INTO storage_samples (at, component, tier, objects, bytes) VALUES (?, 'chunks', 'Standard', 1, ?)`,
      )
        .bind(new Date(Date.now() - days! * DAY).toISOString(), bytes)
        .run();
    }
    const r = (await api("GET", "/admin/backup/storage", { as: "viewer" })).json;
    expect(r.areas.map((a: any) => a.area)).toEqual(expect.arrayContaining(["chunks", "manifests", "keys"]));
    expect(r.tiers[0]).toMatchObject({ tier: "Standard", bytes: total, monthly_cost_usd: Math.round((total / 1e9) * 0.015 * 1000) / 1000 });
    expect(r.components).toEqual([expect.objectContaining({ component: "database", backups: 3 })]);
    // Three backups of the same data: each chunk is referenced three times; compression adds to that in bytes.
    expect(r.dedup_ratio).toBeCloseTo(3, 1);
    expect(r.reduction_ratio).toBeGreaterThan(r.dedup_ratio);
    expect(r.history).toHaveLength(3);
    expect(r.forecast.bytes_per_day).toBeGreaterThan(900_000);
    expect(r.forecast.bytes_per_day).toBeLessThan(1_100_000);
    const daysLeft = (Date.parse(r.forecast.budget_reached_at) - Date.now()) / DAY;
    expect(daysLeft).toBeGreaterThan((50_000_000 - total) / 1_100_000);
    expect(daysLeft).toBeLessThan((50_000_000 - total) / 900_000 + 1);
  });
});

describe("change-log pruning", () => {
  it("segments before the oldest kept base go once it is forgotten; point-in-time coverage starts at the kept base, which still restores", async () => {
    await setPolicy();
    await seedWithEdgeCases(env.OIDC_DB, 30);
    await api("POST", "/admin/capture/install");
    const ship = async () => expect((await api("POST", "/admin/capture/ship", { as: "operator" })).status).toBe(200);
    const old = await runBackup();
    await change("before-");
    await new Promise((r) => setTimeout(r, 1100));
    await ship();
    const kept = await runBackup();
    const keptState = await userSnapshot(env.OIDC_DB);
    await runBackup();
    const segmentsBefore = (
      await env.CATALOG_DB.prepare(`SELECT key, last_seq FROM change_segments ORDER BY first_seq`).all<{ key: string; last_seq: number }>()
    ).results;
    expect(segmentsBefore.length).toBeGreaterThan(0);
    await backdate(old.backup_id, 5);
    await backdate(kept.backup_id, 4);
    // Shipped before the floor (a day here), as they would be in a real history.
    await env.CATALOG_DB.prepare(`UPDATE change_segments SET shipped_at = ?`)
      .bind(new Date(Date.now() - 3 * DAY).toISOString())
      .run();
    const keptStart = await env.CATALOG_DB.prepare(`SELECT seq_start FROM backups WHERE id = ?`)
      .bind(kept.backup_id)
      .first<number>("seq_start");

    const run = await retention();
    expect(run.report.forgotten).toEqual([old.backup_id]);
    const gone = segmentsBefore.filter((s) => s.last_seq <= keptStart!);
    expect(gone.length).toBeGreaterThan(0);
    expect(run.report.change_log).toMatchObject({ deleted: gone.length, before_seq: keptStart });
    for (const s of gone) expect(await env.BACKUP_BUCKET.head(s.key)).toBeNull();
    const left = (await env.CATALOG_DB.prepare(`SELECT count(*) AS n FROM change_segments`).first<number>("n"))!;
    expect(left).toBe(segmentsBefore.length - gone.length);
    const points = (await api("GET", "/admin/backup/restore-points")).json;
    expect(points.ranges.every((r: any) => r.base_backup_id !== old.backup_id)).toBe(true);
    const r = await runRestore(kept.backup_id, "test");
    expect(r.status, JSON.stringify(r.error)).toBe("completed");
    expect(await userSnapshot(env.RESTORE_TARGET_DB)).toEqual(keptState);
    expect(await check()).toMatchObject({ status: "passed" });
  });
});
