import { describe, expect, it } from "vitest";
import { api, env, runBackup, seedWithEdgeCases } from "./helpers";

describe("admin API contract", () => {
  it("GET /healthz answers without auth", async () => {
    const r = await api("GET", "/healthz", { as: null });
    expect(r.status).toBe(200);
    expect(r.json.ok).toBe(true);
  });

  it("401 without a token or with an unknown one, and the refusal is counted (per source and minute, not chained one by one)", async () => {
    const none = await api("GET", "/admin/backup/list", { as: null });
    expect(none.status).toBe(401);
    expect(none.json.error.code).toBe("unauthorized");
    const unknown = await api("GET", "/admin/backup/list", { bearer: "not-a-real-token" });
    expect(unknown.status).toBe(401);
    expect(unknown.json.error.message).toMatch(/unknown bearer token/);
    expect(await env.CATALOG_DB.prepare("SELECT count(*) AS n FROM audit_log").first("n")).toBe(0);
    expect(await env.CATALOG_DB.prepare("SELECT sum(n) AS n FROM unauthenticated_requests").first("n")).toBe(2);
  });

  it("403 when the role is too weak", async () => {
    const viewer = await api("POST", "/admin/backup/create", { as: "viewer", body: { type: "full" } });
    expect(viewer.status).toBe(403);
    expect(viewer.json.error.message).toMatch(/operator role/);
    const op = await api("POST", "/admin/backup/restore", {
      as: "operator",
      body: { backup_id: "bk_x", target_environment: "production", confirmation: "I understand this will overwrite current data" },
    });
    expect(op.status).toBe(403);
    expect(op.json.error.message).toMatch(/restoring into production requires the restore_requester role/);
    expect((await api("POST", "/admin/catalog/rebuild", { as: "operator" })).status).toBe(403);
  });

  it.each([
    [{ type: "weird" }, "type"],
    [{ type: "full", components: ["database", "kitchen"] }, "components[1]"],
    [{ type: "full", components: [] }, "components"],
    [{ type: "full", description: 42 }, "description"],
    [{ type: "full", extra: true }, undefined],
  ])("400 for create body %j names the field %s", async (body, field) => {
    const r = await api("POST", "/admin/backup/create", { body });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe("invalid_request");
    expect(r.json.error.field).toBe(field);
  });

  it("400 for a body that is not JSON", async () => {
    const r = await api("POST", "/admin/backup/create", { rawBody: "{type:" });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/not valid JSON/);
  });

  it("400 names the field for restore bodies; production needs the exact confirmation sentence", async () => {
    const noConfirm = await api("POST", "/admin/backup/restore", {
      body: { backup_id: "bk_20260101T000000Z_abcd", target_environment: "production" },
    });
    expect(noConfirm.status).toBe(400);
    expect(noConfirm.json.error.field).toBe("confirmation");
    const wrongEnv = await api("POST", "/admin/backup/restore", { body: { backup_id: "bk_x1", target_environment: "staging" } });
    expect(wrongEnv.json.error.field).toBe("target_environment");
    const badId = await api("POST", "/admin/backup/restore", { body: { backup_id: "../etc", target_environment: "test" } });
    expect(badId.json.error.field).toBe("backup_id");
    expect((await api("GET", "/admin/backup/list?limit=0")).json.error.field).toBe("limit");
    expect((await api("GET", "/admin/backup/list?status=done")).json.error.field).toBe("status");
  });

  it("404 for unknown backups and restores, 409 for a backup that is not completed", async () => {
    expect((await api("GET", "/admin/backup/bk_20260101T000000Z_00000000")).status).toBe(404);
    expect((await api("GET", "/admin/restore/rs_20260101T000000Z_00000000")).status).toBe(404);
    expect((await api("GET", "/admin/nothing-here")).status).toBe(404);
    const missing = await api("POST", "/admin/backup/restore", {
      body: { backup_id: "bk_20260101T000000Z_00000000", target_environment: "test" },
    });
    expect(missing.status).toBe(404);
    await env.CATALOG_DB.prepare(
      "INSERT INTO backups (id, type, components, status, requested_by, trigger, created_at, updated_at) VALUES ('bk_failed_1', 'full', '[\"database\"]', 'failed', 'x', 'api', '2026-01-01', '2026-01-01')",
    ).run();
    const conflict = await api("POST", "/admin/backup/restore", { body: { backup_id: "bk_failed_1", target_environment: "test" } });
    expect(conflict.status).toBe(409);
    expect(conflict.json.error.code).toBe("conflict");
  });

  it("create answers 202 with an id and estimate; list filters and pages; detail shows the manifest summary", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 30);
    const created = await api("POST", "/admin/backup/create", {
      as: "operator",
      body: { type: "full", description: "before migration 0042" },
    });
    expect(created.status).toBe(202);
    expect(created.json).toMatchObject({
      status: "initiated",
      backup_id: expect.stringMatching(/^bk_/),
      // As the product requirements answer it, and in seconds beside it.
      estimated_duration: expect.stringMatching(/^\d+ (second|minute|hour)s?$/),
      estimated_duration_seconds: expect.any(Number),
    });
    const done = await runBackup();
    expect(done.status).toBe("completed");
    const list = await api("GET", "/admin/backup/list?limit=1&page=1&component=database&type=full_database", { as: "viewer" });
    expect(list.status).toBe(200);
    expect(list.json.total).toBe(2);
    expect(list.json.backups).toHaveLength(1);
    expect(list.json.backups[0]).toEqual({
      backup_id: expect.any(String),
      timestamp: expect.any(String),
      type: "full_database", // "full" is accepted on input as the same type
      // The backup's size as people read it ("250MB"), in bytes beside it, and what it added to the repository.
      size: expect.stringMatching(/^\d+(\.\d)?(B|KB|MB|GB)$/),
      size_bytes: expect.any(Number),
      added_bytes: expect.any(Number),
      status: expect.stringMatching(/completed|running|initiated/),
      components: ["database"],
    });
    const page2 = await api("GET", "/admin/backup/list?limit=1&page=2", { as: "viewer" });
    expect(page2.json.backups[0].backup_id).not.toBe(list.json.backups[0].backup_id);
    const detail = await api("GET", `/admin/backup/${done.backup_id}`, { as: "viewer" });
    expect(detail.json.manifest).toMatchObject({
      key: `manifests/${done.backup_id}`,
      tables: expect.any(Number),
      rows: expect.any(Number),
    });
    expect(detail.json.workflow_status).toBe("complete");
    // Everything that happened was audited under the caller's subject; the workflow's end under the system's.
    const audit = await env.CATALOG_DB.prepare("SELECT DISTINCT actor FROM audit_log ORDER BY actor").all<{ actor: string }>();
    expect(audit.results.map((r) => r.actor)).toEqual(["alice@admin", "oscar@ops", "system:workflow", "vera@view"]);
  });

  it("never echoes a token or key in a response", async () => {
    const r = await api("GET", "/admin/backup/list");
    const text = JSON.stringify(r.json);
    expect(text).not.toContain("vl-test-admin");
    expect(text).not.toContain(env.BACKUP_ENCRYPTION_KEY);
  });
});
