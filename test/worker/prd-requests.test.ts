// The product requirements' example requests, sent exactly as written (with a person's token where the rules need
// one), answer every field the requirements show, with the same meaning; the precise fields stay beside them.
import { describe, expect, it } from "vitest";
import { api, env, seedWithEdgeCases, waitFor } from "./helpers";

describe("the product requirements' requests, verbatim", () => {
  it("create with components, list by component, restore into production, and health", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 10);

    // 1. A full_database backup that must also hold sessions: honoured as a backup of exactly those components.
    const created = await api("POST", "/admin/backup/create", {
      body: { type: "full_database", components: ["database", "sessions"], description: "Pre-maintenance backup" },
    });
    expect(created.status, JSON.stringify(created.json)).toBe(202);
    expect(created.json).toMatchObject({
      backup_id: expect.stringMatching(/^bk_/),
      status: "initiated",
      estimated_duration: expect.stringMatching(/^\d+ (second|minute|hour)s?$/),
      components: ["database", "sessions"],
    });
    const done = await waitFor(
      async () => (await api("GET", `/admin/backup/${created.json.backup_id}`)).json,
      (b) => b.status === "completed" || b.status === "failed",
    );
    expect(done.status, JSON.stringify(done.error)).toBe("completed");
    expect(done.component_backups.map((c: any) => c.type).sort()).toEqual(["full_database", "sessions"]);

    // 2. The list, filtered by component.
    const list = await api("GET", "/admin/backup/list?limit=50&component=database", { as: "viewer" });
    expect(list.status).toBe(200);
    expect(list.json).toMatchObject({ total: expect.any(Number), page: 1 });
    const row = list.json.backups.find((b: any) => b.backup_id === created.json.backup_id);
    expect(row).toMatchObject({
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      type: "full_system",
      size: expect.stringMatching(/^\d+(\.\d)?(B|KB|MB|GB)$/),
      status: "completed",
      components: ["database", "sessions"],
    });

    // 3. A production restore of the database (a person with a second factor asks; approval still applies).
    const restore = await api("POST", "/admin/backup/restore", {
      as: "alice",
      body: {
        backup_id: created.json.backup_id,
        components: ["database"],
        target_environment: "production",
        confirmation: "I understand this will overwrite current data",
      },
    });
    expect(restore.status, JSON.stringify(restore.json)).toBe(202);
    expect(restore.json).toMatchObject({
      restore_id: expect.stringMatching(/^rs_/),
      status: "initiated",
      estimated_duration: expect.stringMatching(/^\d+ (second|minute|hour)s?$/),
    });
    await api("POST", `/admin/restore/${restore.json.restore_id}/reject`, { as: "bob", body: { comment: "only checking the request" } });

    // 4. Health, with the requirements' names.
    const health = (await api("GET", "/admin/backup/health", { as: "viewer" })).json;
    expect(health).toMatchObject({
      overall_health: expect.stringMatching(/^(healthy|warning|critical)$/),
      backup_success_rate: expect.any(Number),
      retention_compliance: expect.any(Boolean),
      last_successful_backup: expect.stringMatching(/^\d{4}-/),
      recommendations: expect.any(Array),
    });
    expect(health.backup_success_rate).toBeGreaterThanOrEqual(0);
    expect(health.backup_success_rate).toBeLessThanOrEqual(1);
  });

  it("a single component asked of another type is that component's type; an incremental holds the database only", async () => {
    const one = await api("POST", "/admin/backup/create", { body: { type: "full_system", components: ["config"] } });
    expect(one.status).toBe(202);
    expect(one.json).toMatchObject({ type: "config", components: ["config"] });
    const bad = await api("POST", "/admin/backup/create", { body: { type: "incremental_database", components: ["database", "assets"] } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.field).toBe("components");
  });
});
