import { describe, expect, it } from "vitest";
import { api, applyPolicy, backdate, env, restoreToTest, runBackup, runRetention, seedWithEdgeCases, waitFor } from "./helpers";
import { sealHistory } from "../../src/repo/catalog-records";

/** Every row of every catalog table, as if CATALOG_DB were lost and created again empty. */
async function wipeCatalog() {
  const { results } = await env.CATALOG_DB.prepare(
    `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name <> 'd1_migrations'`,
  ).all<{ name: string }>();
  for (const t of results) await env.CATALOG_DB.prepare(`DELETE FROM "${t.name}"`).run();
}

describe("the catalog holds nothing only it knows", () => {
  it("after every catalog row is gone, a rebuild puts back legal holds, their releases and the custom policy; retention then keeps the held backup and applies the policy", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 10);
    const held = await runBackup();
    const released = await runBackup();
    const middle = await runBackup();
    const newest = await runBackup();
    // Keep only the newest backup, beyond a one-day floor: the default policy would keep all four.
    await applyPolicy({ min_retention_days: 1, rules: [{ match: {}, keep: { last: 1 } }] });
    const hold = await api("POST", `/admin/backup/${held.backup_id}/legal-hold`, { body: { reason: "case 12: preserve" } });
    expect(hold.status).toBe(201);
    const other = await api("POST", `/admin/backup/${released.backup_id}/legal-hold`, { body: { reason: "case 13" } });
    const asked = await api("POST", `/admin/legal-holds/${other.json.id}/release`, { as: "alice", body: { reason: "case 13 closed" } });
    expect(
      (await api("POST", `/admin/changes/${asked.json.change_id}/approve`, { as: "bob", body: { comment: "closed" } })).json.status,
    ).toBe("applied");
    const policyBefore = (await api("GET", "/admin/backup/policies")).json;

    await wipeCatalog();
    expect((await api("GET", "/admin/backup/policies")).json.version).toBe(0);
    expect((await api("GET", "/admin/legal-holds?active=true", { as: "viewer" })).json.holds).toEqual([]);

    const rebuilt = await api("POST", "/admin/catalog/rebuild");
    expect(rebuilt.status).toBe(200);
    expect(rebuilt.json).toMatchObject({ unreadable: [] });
    expect(rebuilt.json.records).toBeGreaterThanOrEqual(4);
    expect((await api("GET", "/admin/backup/policies")).json).toEqual(policyBefore);
    const holds = (await api("GET", "/admin/legal-holds", { as: "viewer" })).json.holds;
    expect(holds.map((h: any) => [h.id, h.released_at !== null])).toEqual(
      expect.arrayContaining([
        [hold.json.id, false],
        [other.json.id, true],
      ]),
    );

    for (const b of [held, released, middle]) await backdate(b.backup_id, 3);
    const run = await runRetention();
    expect(run.status, JSON.stringify(run.error)).toBe("completed");
    expect(run.report.forgotten.sort()).toEqual([released.backup_id, middle.backup_id].sort());
    expect((await api("GET", `/admin/backup/${held.backup_id}`)).json.status).toBe("completed");
    expect((await api("GET", `/admin/backup/${newest.backup_id}`)).json.status).toBe("completed");
  });

  it("restore and drill history is sealed once it ends and comes back with a rebuild, as it ended", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 10);
    const b = await runBackup();
    const drill = await api("POST", `/admin/backup/${b.backup_id}/test-restore`, { as: "operator" });
    expect(drill.status).toBe(202);
    const report = await waitFor(
      async () => (await api("GET", `/admin/test-restores/${drill.json.test_id}`)).json,
      (r) => r.status !== "running",
      120_000,
    );
    expect(report.status).toBe("passed");
    const { done: restore } = await restoreToTest({ backup_id: b.backup_id });
    expect(restore.status).toBe("completed");

    const sealed = await sealHistory(env);
    expect(sealed.restores).toBeGreaterThanOrEqual(1);
    expect(sealed.test_restores).toBeGreaterThanOrEqual(1);
    expect(await sealHistory(env)).toEqual({ restores: 0, test_restores: 0 });
    const restoreBefore = (await api("GET", `/admin/restore/${restore.restore_id}`)).json;

    await wipeCatalog();
    expect((await api("GET", `/admin/test-restores/${drill.json.test_id}`)).status).toBe(404);
    const rebuilt = await api("POST", "/admin/catalog/rebuild");
    expect(rebuilt.status).toBe(200);
    expect(rebuilt.json.unreadable).toEqual([]);

    expect((await api("GET", `/admin/test-restores/${drill.json.test_id}`)).json).toEqual(report);
    const restoreAfter = (await api("GET", `/admin/restore/${restore.restore_id}`)).json;
    const { log: _before, ...sameBefore } = restoreBefore;
    const { log: _after, ...sameAfter } = restoreAfter;
    expect(sameAfter).toEqual(sameBefore); // the row as it ended (its log lines are not part of the record)
    // Health counts the drill again: the weekly-drill finding does not come back after a rebuild.
    const health = (await api("GET", "/admin/backup/health")).json;
    expect(health.last_passing_drill).not.toBeNull();
  });
});
