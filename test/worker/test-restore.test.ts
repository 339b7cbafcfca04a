import { introspectWorkflow } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { SessionObject } from "../../examples/demo-provider/src/session-object";
import { databaseChecks } from "../../src/test-restore/checks";
import { ProviderProfile } from "../../schemas/provider";
import { api, env, runBackup, seedWithEdgeCases, snapshot, waitFor } from "./helpers";

const stub = (name: string) => env.SESSIONS.get(env.SESSIONS.idFromName(name)) as DurableObjectStub<SessionObject>;

async function seedAll() {
  await seedWithEdgeCases(env.OIDC_DB, 40);
  await env.ASSETS_BUCKET.put("branding/logo.svg", "<svg/>", { httpMetadata: { contentType: "image/svg+xml" } });
  await env.ASSETS_BUCKET.put(
    "avatars/7.png",
    new Uint8Array(70_000).map((_, i) => i % 251),
    { customMetadata: { user: "7" } },
  );
  for (const shard of ["shard-a", "shard-b"]) {
    await stub(shard).putSession(shard, { id: `${shard}-s1`, user_id: 1, data: { amr: ["pwd"] }, expires_at: Date.now() + 3_600_000 });
  }
}

/** Everything production holds: the database, every asset's bytes and metadata, every session object's state. */
async function production() {
  const assets: Record<string, unknown> = {};
  for (const o of (await env.ASSETS_BUCKET.list({ include: ["httpMetadata", "customMetadata"] })).objects) {
    const body = await env.ASSETS_BUCKET.get(o.key);
    assets[o.key] = {
      etag: o.etag,
      size: o.size,
      custom: o.customMetadata,
      bytes: Array.from(new Uint8Array(await body!.arrayBuffer())).slice(0, 64),
    };
  }
  const registry = (
    await env.OIDC_DB.prepare("SELECT name FROM durable_object_registry ORDER BY name").all<{ name: string }>()
  ).results.map((r) => r.name);
  const sessions = await Promise.all(registry.map(async (n) => [n, await stub(n).dump()]));
  return { db: await snapshot(env.OIDC_DB), assets, registry, sessions };
}

async function drill(backupId: string) {
  const started = await api("POST", `/admin/backup/${backupId}/test-restore`, { as: "operator" });
  expect(started.status, JSON.stringify(started.json)).toBe(202);
  return waitFor(
    async () => (await api("GET", `/admin/test-restores/${started.json.test_id}`)).json,
    (r) => r.status !== "running",
    120_000,
  );
}

async function systemBackup() {
  const created = await api("POST", "/admin/backup/create", { body: { type: "full_system" } });
  return waitFor(
    async () => (await api("GET", `/admin/backup/${created.json.backup_id}`)).json,
    (b) => b.status === "completed" || b.status === "failed",
    120_000,
  );
}

describe("test restores (drills)", () => {
  it("restore a full-system backup into the sandbox only, check it, report the RTO, and leave nothing behind", async () => {
    await seedAll();
    await using sys = await introspectWorkflow(env.FULL_SYSTEM_BACKUP);
    await sys.modifyAll(async (m) => m.disableSleeps());
    await using drills = await introspectWorkflow(env.TEST_RESTORE);
    await drills.modifyAll(async (m) => m.disableSleeps());
    const b = await systemBackup();
    expect(b.status).toBe("completed");
    const before = await production();

    const report = await drill(b.backup_id);
    expect(report.status, JSON.stringify(report.checks.filter((c: any) => !c.passed))).toBe("passed");
    expect(report.rto_seconds).toBeGreaterThan(0);
    expect(report.restores.map((r: any) => r.component).sort()).toEqual(["assets", "database", "sessions"]);
    const names = report.checks.map((c: any) => `${c.component}: ${c.name}`);
    for (const expected of [
      "database: restore completed, every chunk checked against the manifest",
      "database: schema equals the backup",
      "database: referential integrity (declared foreign keys)",
      'database: provider profile "Vaultline demo OIDC provider" matches the restored copy',
      "database: probe: look up a user by email",
      "database: probe: load a client with its redirect URIs",
      "sessions: probe: read restored session objects",
      "assets: probe: read restored objects",
      "sandbox: sandbox left empty",
    ])
      expect(names).toContain(expected);

    // Production untouched: database, assets, session objects and their registry, value for value.
    expect(await production()).toEqual(before);
    // No residue: the sandbox database and bucket are empty, the sandbox session copies hold nothing.
    // (sqlite_sequence stays once created, emptied: SQLite does not let it be dropped.)
    expect(
      await env.RESTORE_TARGET_DB.prepare(
        "SELECT group_concat(name) AS n FROM sqlite_master WHERE name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name != 'sqlite_sequence'",
      ).first("n"),
    ).toBeNull();
    expect(await env.RESTORE_TARGET_DB.prepare("SELECT count(*) AS n FROM sqlite_sequence").first("n")).toBe(0);
    expect((await env.RESTORE_TARGET_BUCKET.list()).objects).toHaveLength(0);
    for (const name of ["sandbox:shard-a", "sandbox:shard-b"])
      expect(((await stub(name).vaultlineExport(null, 10)) as any).entries, name).toEqual([]);

    const list = await api("GET", `/admin/test-restores?backup_id=${b.backup_id}`, { as: "viewer" });
    expect(list.json.test_restores.map((t: any) => t.test_id)).toEqual([report.test_id]);
  });

  it("a corrupted chunk fails the drill with the cause in its report, and the sandbox is still emptied", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 30);
    const b = await runBackup();
    const { results } = await env.BACKUP_BUCKET.list({ prefix: "data/" }).then((l) => ({ results: l.objects }));
    const victim = results[0]!.key;
    const obj = await env.BACKUP_BUCKET.get(victim);
    const bytes = new Uint8Array(await obj!.arrayBuffer());
    await env.BACKUP_BUCKET.put(victim, bytes.slice(0, bytes.length - 1), { customMetadata: obj!.customMetadata });
    await using drills = await introspectWorkflow(env.TEST_RESTORE);
    await drills.modifyAll(async (m) => m.disableSleeps());
    const before = await snapshot(env.OIDC_DB);

    const report = await drill(b.backup_id);
    expect(report.status).toBe("failed");
    const failed = report.checks.find((c: any) => !c.passed);
    expect(failed.name).toBe("restore completed, every chunk checked against the manifest");
    expect(failed.detail).toContain("integrity_error");
    expect(report.checks.find((c: any) => c.component === "sandbox")).toMatchObject({ passed: true });
    expect(await snapshot(env.OIDC_DB)).toEqual(before);
  });

  it("refuses a second drill while one uses the sandbox, an unknown backup, and a viewer", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 10);
    const b = await runBackup();
    expect((await api("POST", `/admin/backup/${b.backup_id}/test-restore`, { as: "viewer" })).status).toBe(403);
    expect((await api("POST", `/admin/backup/bk_nope/test-restore`)).status).toBe(404);
    await env.CATALOG_DB.prepare(
      "INSERT INTO test_restores (id, backup_id, status, trigger, requested_by, created_at, components) VALUES ('tr_busy', ?, 'running', 'api', 'x', '2026-01-01', '[]')",
    )
      .bind(b.backup_id)
      .run();
    const busy = await api("POST", `/admin/backup/${b.backup_id}/test-restore`);
    expect(busy.status).toBe(409);
    expect(busy.json.error.message).toContain("tr_busy");
  });

  it("the integrity checks catch what a restore's checksums cannot: rows that were already inconsistent", async () => {
    await env.RESTORE_TARGET_DB.batch([
      env.RESTORE_TARGET_DB.prepare("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)"),
      env.RESTORE_TARGET_DB.prepare("CREATE TABLE oauth_clients (client_id TEXT PRIMARY KEY, redirect_uris TEXT)"),
      env.RESTORE_TARGET_DB.prepare(
        "CREATE TABLE refresh_tokens (id INTEGER PRIMARY KEY, user_id INTEGER, client_id TEXT, parent_id INTEGER)",
      ),
      env.RESTORE_TARGET_DB.prepare("INSERT INTO users VALUES (1, 'a@example.com')"),
      env.RESTORE_TARGET_DB.prepare("INSERT INTO oauth_clients VALUES ('app', '[\"https://app.example/cb\"]')"),
      env.RESTORE_TARGET_DB.prepare("INSERT INTO refresh_tokens VALUES (1, 1, 'app', NULL), (2, 99, 'app', 1), (3, 1, 'gone', 42)"),
    ]);
    const { readSchema } = await import("../../src/db/schema");
    const schema = await readSchema(env.RESTORE_TARGET_DB);
    const manifest: any = { schema, tables: [] };
    // A schema that declares no foreign keys: the profile states the references a drill must check.
    const profile = ProviderProfile.parse({
      name: "undeclared references",
      users: { table: "users", key: "id", key_type: "integer" },
      checks: {
        references: [
          { table: "refresh_tokens", column: "user_id", parent: "users", key: "id" },
          { table: "refresh_tokens", column: "client_id", parent: "oauth_clients", key: "client_id" },
          { table: "refresh_tokens", column: "parent_id", parent: "refresh_tokens", key: "id" },
        ],
        probes: [
          { name: "look up a user by email", sql: "SELECT id FROM users WHERE email = 'a@example.com'" },
          { name: "a user nobody has", sql: "SELECT id FROM users WHERE email = 'nobody@example.com'" },
        ],
      },
    });
    const checks = await databaseChecks(env.RESTORE_TARGET_DB, manifest, profile);
    const refs = checks.find((c) => c.name.startsWith("provider references"))!;
    expect(refs.passed).toBe(false);
    expect(refs.detail).toBe(
      "1 refresh_tokens.user_id without users.id; 1 refresh_tokens.client_id without oauth_clients.client_id; 1 refresh_tokens.parent_id without refresh_tokens.id",
    );
    expect(checks.find((c) => c.name === "probe: look up a user by email")).toMatchObject({ passed: true });
    expect(checks.find((c) => c.name === "probe: a user nobody has")).toMatchObject({ passed: false, detail: "returned no row" });
    expect(checks.find((c) => c.name.startsWith("provider profile"))).toMatchObject({ passed: true });
  });
});

describe("dry-run restores", () => {
  it("answer with what would be overwritten and how long it would take, and change nothing", async () => {
    await seedAll();
    const b = await runBackup();
    await env.ASSETS_BUCKET.put("avatars/8.png", "x");
    const before = await production();
    const auditBefore = await env.CATALOG_DB.prepare("SELECT count(*) AS n FROM restores").first("n");
    const dry = await api("POST", "/admin/backup/restore", {
      body: { backup_id: b.backup_id, target_environment: "production", dry_run: true },
    });
    expect(dry.status, JSON.stringify(dry.json)).toBe(200);
    expect(dry.json.dry_run).toBe(true);
    const db = dry.json.plan[0];
    expect(db).toMatchObject({ component: "database", backup_id: b.backup_id, target: "OIDC_DB" });
    expect(db.overwrites.tables.users).toBe(await env.OIDC_DB.prepare("SELECT count(*) AS n FROM users").first("n"));
    expect(db.overwrites.mode).toMatch(/whole database/);
    expect(dry.json.estimated_duration_seconds).toBeGreaterThan(0);
    expect(dry.json.estimated_duration).toMatch(/^\d+ (second|minute|hour)s?$/);

    const scoped = await api("POST", "/admin/backup/restore", {
      body: { backup_id: b.backup_id, target_environment: "test", dry_run: true, database: { tables: ["consents"] } },
    });
    expect(Object.keys(scoped.json.plan[0].overwrites.tables)).toEqual([]);
    expect(scoped.json.plan[0].overwrites.mode).toMatch(/scoped/);

    expect(await production()).toEqual(before);
    expect(await env.CATALOG_DB.prepare("SELECT count(*) AS n FROM restores").first("n")).toBe(auditBefore);
    const audited = await env.CATALOG_DB.prepare(
      "SELECT target FROM audit_log WHERE action = 'restore.dry_run' ORDER BY id DESC LIMIT 1",
    ).first<string>("target");
    expect(audited).toBe(b.backup_id);
  });
});
