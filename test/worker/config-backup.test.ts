import { describe, expect, it } from "vitest";
import type { ConfigSnapshot } from "../../schemas/config-manifest";
import { diffConfig } from "../../src/config-backup/diff";
import { api, env, waitFor } from "./helpers";

async function configBackup() {
  const created = await api("POST", "/admin/backup/create", { body: { type: "config" } });
  expect(created.status).toBe(202);
  return waitFor(
    async () => (await api("GET", `/admin/backup/${created.json.backup_id}`)).json,
    (b) => b.status === "completed" || b.status === "failed",
  );
}

describe("configuration backups", () => {
  it("record non-secret vars, bindings with their kinds, schedules, migrations and schema digests, and secret names only", async () => {
    const b = await configBackup();
    expect(b.status, JSON.stringify(b.error)).toBe("completed");
    const read = await api("GET", `/admin/backup/${b.backup_id}/config`);
    expect(read.status).toBe(200);
    const c = read.json.config as ConfigSnapshot;
    expect(c.vars.EXPORT_STEP_MB).toBe("8");
    expect(c.vars.BACKUP_RETENTION_DAYS).toBe("1"); // as the test environment sets it (vitest.config.ts)
    expect(c.secrets).toEqual([
      { name: "BACKUP_ENCRYPTION_KEY", present: true },
      { name: "API_TOKENS", present: true },
    ]);
    expect(c.bindings).toEqual(
      expect.arrayContaining([
        { name: "OIDC_DB", kind: "d1" },
        { name: "ASSETS_BUCKET", kind: "r2" },
        { name: "SESSIONS", kind: "durable_object_namespace" },
        { name: "BACKUP_QUEUE", kind: "queue" },
        { name: "FULL_DATABASE_BACKUP", kind: "workflow" },
      ]),
    );
    expect(Object.keys(c.schedules)).toEqual([
      "0 2 * * *",
      "0 3 * * *",
      "0 4 * * 0",
      "0 */6 * * *",
      "0 1 1 * *",
      "0 5 * * 0",
      "*/5 * * * *",
      "* * * * *",
    ]);
    const oidc = c.databases.find((d) => d.binding === "OIDC_DB")!;
    expect(oidc).toMatchObject({
      migration: "0002_object_registry.sql",
      migrations_applied: 2,
      schema_digest: expect.stringMatching(/^[0-9a-f]{64}$/),
    });

    // Never a secret value: not in the API answer, not in what is stored (decrypted).
    const { Repository } = await import("../../src/repo/repository");
    const repo = await Repository.open(env.BACKUP_BUCKET, env.BACKUP_ENCRYPTION_KEY);
    const stored = JSON.stringify(await repo.getManifestJson(b.backup_id));
    for (const text of [JSON.stringify(read.json), stored]) {
      expect(text).not.toContain(env.BACKUP_ENCRYPTION_KEY);
      expect(text).not.toContain(JSON.parse(env.API_TOKENS)[0].sha256);
    }
  });

  it("diff two of them: a schema change shows as a changed digest, nothing else moves", async () => {
    const before = await configBackup();
    await env.OIDC_DB.prepare("CREATE INDEX users_locale ON users (locale)").run();
    const after = await configBackup();
    const diff = await api("GET", `/admin/config/diff?from=${before.backup_id}&to=${after.backup_id}`);
    expect(diff.status).toBe(200);
    expect(diff.json.changes).toEqual([
      { path: "databases.OIDC_DB.schema_digest", change: "changed", before: expect.any(String), after: expect.any(String) },
    ]);
  });

  it("diffConfig names added, removed and changed entries", () => {
    const base: ConfigSnapshot = {
      vars: { EXPORT_STEP_MB: "64", BACKUP_RETENTION_DAYS: "30" },
      secrets: [{ name: "API_TOKENS", present: true }],
      unclassified: [],
      bindings: [{ name: "OIDC_DB", kind: "d1" }],
      schedules: { "0 3 * * *": [{ task: "backup", type: "full_database" }] },
      databases: [],
    };
    const next: ConfigSnapshot = {
      ...base,
      vars: { EXPORT_STEP_MB: "32" },
      secrets: [{ name: "API_TOKENS", present: false }],
      bindings: [...base.bindings, { name: "ASSETS_BUCKET", kind: "r2" }],
    };
    expect(diffConfig(base, next)).toEqual([
      { path: "bindings.ASSETS_BUCKET", change: "added", after: "r2" },
      { path: "secrets.API_TOKENS", change: "changed", before: "present", after: "missing" },
      { path: "vars.BACKUP_RETENTION_DAYS", change: "removed", before: "30" },
      { path: "vars.EXPORT_STEP_MB", change: "changed", before: "64", after: "32" },
    ]);
  });

  it("is read and compared by admins only, and only as config backups", async () => {
    const b = await configBackup();
    expect((await api("GET", `/admin/backup/${b.backup_id}/config`, { as: "operator" })).status).toBe(403);
    const restore = await api("POST", "/admin/backup/restore", {
      body: { backup_id: b.backup_id, target_environment: "test", components: ["config"] },
    });
    expect(restore.status).toBe(400);
    expect(restore.json.error.field).toBe("components");
    expect(restore.json.error.message).toMatch(/redeploying/);
    const notConfig = await api("GET", `/admin/config/diff?from=${b.backup_id}&to=bk_20260101T000000Z_00000000`);
    expect(notConfig.status).toBe(404);
  });
});
