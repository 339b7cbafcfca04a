import { describe, expect, it } from "vitest";
import { shipChanges } from "../../src/capture/ship";
import { evaluateAlerts } from "../../src/notify/alerts";
import { api, env, runBackup, seedWithEdgeCases, waitFor } from "./helpers";

const ship = async () => {
  const r = await api("POST", "/admin/capture/ship");
  expect(r.status).toBe(200);
  return r.json;
};
const rpoAlerts = (a: { fired: string[]; resolved: string[] }) => ({
  fired: a.fired.filter((k) => k === "rpo:database"),
  resolved: a.resolved.filter((k) => k === "rpo:database"),
});

describe("RPO from what is restorable", () => {
  it("a schema migration ends database coverage: the RPO grows from the break although shipping goes on, alerts once, and resolves once a full backup starts a new chain", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 10);
    expect((await api("POST", "/admin/capture/install")).status).toBe(200);
    await runBackup();
    await new Promise((r) => setTimeout(r, 1100));
    await ship();
    expect(rpoAlerts(await evaluateAlerts(env))).toEqual({ fired: [], resolved: [] });

    // A migration: a new table. The shipper records a schema break; two minutes pass (the break and the base before
    // it are dated back, as if they had happened then).
    await env.OIDC_DB.prepare(`CREATE TABLE migration_added (id INTEGER PRIMARY KEY, v TEXT)`).run();
    expect((await ship()).schema_changed).toEqual(["migration_added"]);
    await env.CATALOG_DB.prepare(`UPDATE capture_breaks SET known_until = known_until - 120000 WHERE kind = 'schema'`).run();
    for (const b of (
      await env.CATALOG_DB.prepare(`SELECT id, as_of FROM backups WHERE as_of IS NOT NULL`).all<{ id: string; as_of: number }>()
    ).results)
      await env.CATALOG_DB.prepare(`UPDATE backups SET as_of = ?, completed_at = ? WHERE id = ?`)
        .bind(b.as_of - 180_000, new Date(b.as_of - 180_000).toISOString(), b.id)
        .run();
    await env.OIDC_DB.prepare(`INSERT INTO migration_added (v) VALUES ('after the break')`).run();
    await new Promise((r) => setTimeout(r, 1100));
    await ship(); // shipping goes on: covered_until is fresh

    const state = await env.CATALOG_DB.prepare(`SELECT covered_until FROM capture_state`).first<number>("covered_until");
    expect(Date.now() - state!).toBeLessThan(10_000);
    const health = (await api("GET", "/admin/backup/health", { as: "viewer" })).json;
    expect(health.rpo.database.seconds).toBeGreaterThanOrEqual(120);
    expect(health.rpo.database.met).toBe(false);
    const points = (await api("GET", "/admin/backup/restore-points?component=database")).json;
    expect(points.rpo_seconds).toBeGreaterThanOrEqual(120);
    expect(rpoAlerts(await evaluateAlerts(env))).toEqual({ fired: ["rpo:database"], resolved: [] });
    expect(rpoAlerts(await evaluateAlerts(env))).toEqual({ fired: [], resolved: [] });
    // The compliance report counts the same: the segments shipped after the break are not recovery points.
    const period = `from=${new Date(Date.now() - 600_000).toISOString()}&to=${new Date().toISOString()}`;
    const report = (await api("GET", `/admin/reports/compliance?${period}`, { as: "auditor" })).json;
    const db = report.rpo.find((x: any) => x.component === "database");
    expect(db.worst_gap_seconds).toBeGreaterThanOrEqual(120);
    expect(db.met).toBe(false);

    // A full backup after the break starts a new chain: restorable up to now again.
    await runBackup();
    await new Promise((r) => setTimeout(r, 1100));
    await ship();
    expect((await api("GET", "/admin/backup/health", { as: "viewer" })).json.rpo.database.met).toBe(true);
    expect(rpoAlerts(await evaluateAlerts(env))).toEqual({ fired: [], resolved: ["rpo:database"] });
    expect(rpoAlerts(await evaluateAlerts(env))).toEqual({ fired: [], resolved: [] });
  });

  it("a break starts a full database backup at once (one, however many breaks), which completes", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 10);
    expect((await api("POST", "/admin/capture/install")).status).toBe(200);
    await runBackup();
    await env.OIDC_DB.prepare(`CREATE TABLE migration_added (id INTEGER PRIMARY KEY)`).run();
    const shipped = await shipChanges({ ...env, BACKUP_AFTER_BREAK: "true" } as typeof env);
    expect(shipped.schema_changed).toEqual(["migration_added"]);
    expect(shipped.full_backup_started).toMatch(/^bk_/);
    const started = shipped.full_backup_started!;
    // Another break while it runs starts nothing more.
    await env.OIDC_DB.prepare(`CREATE TABLE another (id INTEGER PRIMARY KEY)`).run();
    expect((await shipChanges({ ...env, BACKUP_AFTER_BREAK: "true" } as typeof env)).full_backup_started).toBeNull();
    const done = await waitFor(
      async () => (await api("GET", `/admin/backup/${started}`)).json,
      (b) => b.status === "completed" || b.status === "failed",
    );
    expect(done).toMatchObject({ status: "completed", type: "full_database", requested_by: "system:capture" });
    expect(done.description).toMatch(/^after a change-log break: schema changed \(migration_added\)/);
  });
});
