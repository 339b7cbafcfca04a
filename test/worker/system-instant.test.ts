// One instant across the system (issue 17, item 3): a restore to target_timestamp with several components puts the
// database back exactly as it was at the instant and each other component from its newest backup completed at or
// before it, and says per component the instant reached and the skew. An instant some component cannot reach starts
// nothing and names the nearest restorable instants per component.
import { introspectWorkflow } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, backupOfType, env, seedWithEdgeCases, waitRestore } from "./helpers";

const tick = () => new Promise((r) => setTimeout(r, 1100));

describe("one instant across the system", () => {
  it("restores the database exactly and sessions and assets from their newest backups before the instant, saying per component what it reached", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 20);
    await env.ASSETS_BUCKET.put("files/report.txt", "version 1");
    expect((await api("POST", "/admin/capture/install")).status).toBe(200);
    await using sys = await introspectWorkflow(env.FULL_SYSTEM_BACKUP);
    await sys.modifyAll(async (m) => m.disableSleeps());
    const system = await backupOfType("full_system");
    const children: Record<string, any> = {};
    for (const c of system.component_backups) children[c.type] = (await api("GET", `/admin/backup/${c.backup_id}`)).json;

    // After the system backup: a row and a file change; the instant; then more changes and a newer file backup.
    await env.OIDC_DB.prepare("UPDATE users SET name = 'before the instant' WHERE id = 1").run();
    await env.ASSETS_BUCKET.put("files/report.txt", "version 2");
    await tick();
    const at = new Date().toISOString();
    await tick();
    await env.OIDC_DB.prepare("UPDATE users SET name = 'after the instant' WHERE id = 1").run();
    await tick();
    expect((await api("POST", "/admin/capture/ship")).status).toBe(200);
    await backupOfType("assets"); // completed after the instant: not the one read

    const started = await api("POST", "/admin/backup/restore", {
      body: { target_environment: "test", target_timestamp: at, components: ["database", "sessions", "assets"] },
    });
    expect(started.status, JSON.stringify(started.json)).toBe(202);
    const skew = (reached: string) => Math.round((Date.parse(at) - Date.parse(reached)) / 1000);
    expect(started.json.instants).toEqual([
      { component: "database", backup_id: children.full_database.backup_id, reached: at, skew_seconds: 0, exact: true },
      {
        component: "sessions",
        backup_id: children.sessions.backup_id,
        reached: children.sessions.completed_at,
        skew_seconds: skew(children.sessions.completed_at),
        exact: false,
      },
      {
        component: "assets",
        backup_id: children.assets.backup_id,
        reached: children.assets.completed_at,
        skew_seconds: skew(children.assets.completed_at),
        exact: false,
      },
    ]);
    expect(started.json.instants[2].skew_seconds).toBeGreaterThanOrEqual(1);
    // What an instant restore of the files can read: their backups' instants, newest first.
    const points = (await api("GET", "/admin/backup/restore-points?component=assets")).json;
    expect(points.component).toBe("assets");
    expect(points.points.map((p: any) => p.backup_id)).toContain(children.assets.backup_id);
    expect(points.points[0].at >= children.assets.completed_at).toBe(true);
    expect(points.latest).toBe(points.points[0].at);
    expect((await api("GET", "/admin/backup/restore-points?component=config")).status).toBe(400);

    for (const r of started.json.restores) {
      const done = await waitRestore(r.restore_id);
      expect(done.status, `${r.component}: ${JSON.stringify(done.error)}`).toBe("completed");
      expect(done.instant).toMatchObject({ target: at, skew_seconds: r.component === "database" ? 0 : expect.any(Number) });
    }
    // The database as at the instant; the file as its backup before the instant had it.
    expect(await env.RESTORE_TARGET_DB.prepare("SELECT name FROM users WHERE id = 1").first("name")).toBe("before the instant");
    expect(await (await env.RESTORE_TARGET_BUCKET.get("files/report.txt"))?.text()).toBe("version 1");
  });

  it("an instant before any backup of a component starts nothing and names the nearest restorable instants per component", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 10);
    expect((await api("POST", "/admin/capture/install")).status).toBe(200);
    const before = new Date(Date.now() - 60_000).toISOString();
    const sessions = await backupOfType("sessions");
    const refused = await api("POST", "/admin/backup/restore", {
      body: { target_environment: "test", target_timestamp: before, components: ["database", "sessions"] },
    });
    expect(refused.status).toBe(422);
    expect(refused.json.error).toMatchObject({ code: "not_restorable", field: "target_timestamp" });
    expect(refused.json.error.message).toMatch(/database: .*; sessions: no sessions backup completed at or before/);
    expect(refused.json.error.details.nearest_restorable.sessions).toEqual({ before: null, after: sessions.completed_at });
    expect(refused.json.error.details.nearest_restorable).toHaveProperty("database");
    expect((await env.CATALOG_DB.prepare("SELECT count(*) AS n FROM restores").first("n")) as number).toBe(0);
  });
});
