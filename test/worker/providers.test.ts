// The same tests against each example provider (vitest.config.ts runs this file once per provider): the demo OIDC
// provider (INTEGER ids) and an Auth.js-style one (TEXT ids, camelCase columns, its own session Durable Object class
// and Worker, a table left out of backups). Nothing here names a table: the fixture and the profile do.
import { introspectWorkflow } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { fixtureOf } from "../providers/fixtures";
import { providerProfile } from "../../src/provider/profile";
import { databaseChecks } from "../../src/test-restore/checks";
import { api, checkpoint, env, runBackup, userSnapshot, waitFor, waitRestore } from "./helpers";

const fx = fixtureOf(env as unknown as { TEST_PROVIDER?: string });
const profile = providerProfile(env);

/** The provider's data as a backup holds it: every table but the ones its profile leaves out, and not Vaultline's. */
async function backedUp(db: D1Database) {
  const s = await userSnapshot(db);
  const keep = (name: string) => !fx.excluded.includes(name);
  return {
    objects: s.objects.filter((o: any) => keep(o.name) && keep(o.tbl_name)),
    tables: Object.fromEntries(Object.entries(s.tables).filter(([n]) => keep(n))),
    seq: s.seq.filter((r) => keep(r.name)),
  };
}

async function excludedRows(db: D1Database) {
  const out: Record<string, unknown> = {};
  for (const t of fx.excluded) out[t] = sorted((await db.prepare(`SELECT * FROM "${t}"`).all()).results);
  return out;
}

async function restore(body: Record<string, unknown>) {
  const production = body.target_environment === "production";
  const started = await api("POST", "/admin/backup/restore", {
    body: production ? { confirmation: "I understand this will overwrite current data", ...body } : body,
    as: production ? "alice" : "admin",
  });
  expect(started.status, JSON.stringify(started.json)).toBe(202);
  const done = await waitRestore(started.json.restore_id);
  expect(done.status, JSON.stringify(done.error ?? done)).toBe("completed");
  // The database restore instance may still be dropping replaced tables after it is recorded complete.
  const components = (body.components as string[] | undefined) ?? ["database"];
  const dbRestore = !components.includes("database")
    ? null
    : production
      ? done.restores?.find((r: any) => r.component === "database")?.restore_id
      : started.json.restore_id;
  if (dbRestore) {
    const instance = await env.DATABASE_RESTORE.get(dbRestore);
    await waitFor(
      async () => (await instance.status()).status,
      (s) => s === "complete" || s === "errored",
    );
  }
  return done;
}

/** Rows in a stable order whatever the table's kind (WITHOUT ROWID tables have no rowid to order by). */
const sorted = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).sort();

/** The rows in the user's tables that are not the user's: what a one-user restore must leave alone. */
async function othersRows(db: D1Database) {
  const pairs: [string, string][] = [];
  const check = (await api("GET", "/admin/provider", { as: "viewer" })).json.check;
  for (const o of check.user_rows) pairs.push([o.table, o.column]);
  const out: Record<string, unknown[]> = {};
  for (const [t, c] of pairs)
    out[`${t}.${c}`] = sorted((await db.prepare(`SELECT * FROM "${t}" WHERE "${c}" IS NOT ?`).bind(fx.user).all()).results);
  return out;
}

describe(`protecting the ${fx.name} provider`, () => {
  it("the profile matches the provider's database and says where a user's rows are", async () => {
    const r = await api("GET", "/admin/provider", { as: "viewer" });
    expect(r.status).toBe(200);
    expect(r.json.check.ok, JSON.stringify(r.json.check.problems)).toBe(true);
    expect(r.json.check.tables).not.toContain(fx.excluded[0] ?? "_none_");
    expect(r.json.check.user_rows.map((o: any) => o.table)).toEqual(expect.arrayContaining(fx.userTables));
  });

  it("a full backup restores into the sandbox exactly, without the tables the profile leaves out", async () => {
    await fx.seed(env.OIDC_DB);
    await fx.touchExcluded(env.OIDC_DB);
    const b = await runBackup();
    expect(b.status, JSON.stringify(b.error)).toBe("completed");
    for (const t of fx.excluded) expect(b.manifest?.tables ?? []).not.toContain(t);
    await restore({ backup_id: b.backup_id, target_environment: "test" });
    expect(await backedUp(env.RESTORE_TARGET_DB)).toEqual(await backedUp(env.OIDC_DB));
    for (const t of fx.excluded)
      expect(await env.RESTORE_TARGET_DB.prepare("SELECT name FROM sqlite_master WHERE name = ?").bind(t).first()).toBeNull();
  });

  it("a full restore over production puts the data back, and leaves the excluded tables as they are now", async () => {
    await fx.seed(env.OIDC_DB);
    const b = await runBackup();
    const before = await backedUp(env.OIDC_DB);
    await fx.damageUser(env.OIDC_DB, fx.user);
    await fx.otherWrites(env.OIDC_DB, 1);
    await fx.touchExcluded(env.OIDC_DB);
    const excludedNow = await excludedRows(env.OIDC_DB);
    await restore({ backup_id: b.backup_id, target_environment: "production", components: ["database"] });
    expect(await backedUp(env.OIDC_DB)).toEqual(before);
    expect(await excludedRows(env.OIDC_DB)).toEqual(excludedNow);
  });

  it("one user's rows come back by the user's key, in every table that holds them; nobody else's rows change", async () => {
    await fx.seed(env.OIDC_DB);
    const b = await runBackup();
    const mine = await fx.userRows(env.OIDC_DB, fx.user);
    await fx.damageUser(env.OIDC_DB, fx.user);
    await fx.otherWrites(env.OIDC_DB, 2);
    const others = await othersRows(env.OIDC_DB);
    expect(await fx.userRows(env.OIDC_DB, fx.user)).not.toEqual(mine);
    await restore({ backup_id: b.backup_id, target_environment: "production", components: ["database"], database: { user_id: fx.user } });
    expect(await fx.userRows(env.OIDC_DB, fx.user)).toEqual(mine);
    expect(await othersRows(env.OIDC_DB)).toEqual(others);
    // A key of the other type is refused, naming the field.
    const wrong = await api("POST", "/admin/backup/restore", {
      body: {
        backup_id: b.backup_id,
        target_environment: "test",
        database: { user_id: typeof fx.user === "number" ? String(fx.user) : 7 },
      },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.json.error.field).toBe("database.user_id");
  });

  it("a drill of a full-system backup passes with the provider's own probes, its session objects included", async () => {
    await fx.seed(env.OIDC_DB);
    const names = await fx.seedSessions(env.SESSIONS);
    await using sys = await introspectWorkflow(env.FULL_SYSTEM_BACKUP);
    await sys.modifyAll(async (m) => m.disableSleeps());
    const created = await api("POST", "/admin/backup/create", { body: { type: "full_system" } });
    const b = await waitFor(
      async () => (await api("GET", `/admin/backup/${created.json.backup_id}`)).json,
      (x) => x.status === "completed" || x.status === "failed",
      120_000,
    );
    expect(b.status, JSON.stringify(b.error)).toBe("completed");
    const started = await api("POST", `/admin/backup/${b.backup_id}/test-restore`, { as: "operator" });
    expect(started.status).toBe(202);
    const report = await waitFor(
      async () => (await api("GET", `/admin/test-restores/${started.json.test_id}`)).json,
      (r) => r.status !== "running",
      120_000,
    );
    expect(report.status, JSON.stringify(report.checks.filter((c: any) => !c.passed))).toBe("passed");
    const checks = report.checks.map((c: any) => c.name);
    for (const p of profile.checks.probes) expect(checks).toContain(`probe: ${p.name}`);
    expect(checks).toContain(`provider profile "${profile.name}" matches the restored copy`);
    expect(checks).toContain("probe: read restored session objects");
    expect(report.restores.find((r: any) => r.component === "sessions")).toBeTruthy();
    expect(names.length).toBeGreaterThan(0);
  });

  it("session objects in the provider's own Worker round-trip through the session contract", async () => {
    const names = await fx.seedSessions(env.SESSIONS);
    const before = await Promise.all(names.map((n) => fx.readSession(env.SESSIONS, n)));
    const created = await api("POST", "/admin/backup/create", { body: { type: "sessions" } });
    const b = await waitFor(
      async () => (await api("GET", `/admin/backup/${created.json.backup_id}`)).json,
      (x) => x.status === "completed" || x.status === "failed",
    );
    expect(b.status, JSON.stringify(b.error)).toBe("completed");
    await restore({ backup_id: b.backup_id, target_environment: "test", components: ["sessions"] });
    const restored = await Promise.all(names.map((n) => fx.readSession(env.SESSIONS, `sandbox:${n}`)));
    expect(restored).toEqual(before);
    const registry = profile.sessions!;
    const registered = await env.OIDC_DB.prepare(`SELECT name FROM "${registry.registry_table}" WHERE namespace = ? ORDER BY name`)
      .bind(registry.namespace)
      .all<{ name: string }>();
    expect(registered.results.map((r) => r.name)).toEqual([...names].sort());
  });

  it("restores the database as it was at an instant (change capture)", async () => {
    await fx.seed(env.OIDC_DB);
    expect((await api("POST", "/admin/capture/install")).status).toBe(200);
    const b = await runBackup();
    expect(b.status).toBe("completed");
    await fx.otherWrites(env.OIDC_DB, 3);
    const at = await checkpoint(env.OIDC_DB);
    const expected = await backedUp(env.OIDC_DB);
    await fx.otherWrites(env.OIDC_DB, 4);
    await fx.damageUser(env.OIDC_DB, fx.user);
    // Coverage trails a write by the commit margin: ship once it has passed.
    await new Promise((r) => setTimeout(r, 1100));
    expect((await api("POST", "/admin/capture/ship")).status).toBe(200);
    await restore({ target_timestamp: new Date(at).toISOString(), target_environment: "test" });
    expect(await backedUp(env.RESTORE_TARGET_DB)).toEqual(expected);
  });

  it("a profile that names what the database lacks is refused before anything is written, and fails a drill, naming it", async () => {
    // The database drifts from the profile: the user key column is renamed.
    await env.OIDC_DB.prepare(`ALTER TABLE "${profile.users.table}" RENAME COLUMN "${profile.users.key}" TO "renamed_key"`).run();
    const refused = await api("POST", "/admin/backup/create", { body: { type: "full_database" } });
    expect(refused.status).toBe(422);
    expect(refused.json.error.code).toBe("provider_profile_mismatch");
    expect(refused.json.error.field).toBe("users.key");
    expect(refused.json.error.message).toContain(`table "${profile.users.table}" has no column "${profile.users.key}"`);
    expect(await env.CATALOG_DB.prepare("SELECT count(*) AS n FROM backups").first("n")).toBe(0);
    const status = (await api("GET", "/admin/provider", { as: "viewer" })).json.check;
    expect(status.ok).toBe(false);
    const checks = await databaseChecks(
      env.OIDC_DB,
      { schema: { objects: [], tables: [], sequences: [], excluded: [] }, tables: [] } as any,
      profile,
    );
    const drill = checks.find((c) => c.name.startsWith("provider profile"))!;
    expect(drill.passed).toBe(false);
    expect(drill.detail).toContain(`users.key: table "${profile.users.table}" has no column "${profile.users.key}"`);

    // The user table is missing altogether.
    await env.OIDC_DB.prepare(`ALTER TABLE "${profile.users.table}" RENAME TO "gone"`).run();
    const missing = await api("POST", "/admin/backup/create", { body: { type: "full_system" } });
    expect(missing.status).toBe(422);
    expect(missing.json.error.field).toBe("users.table");
    expect(missing.json.error.message).toContain(`the database has no table "${profile.users.table}"`);

    // A user key of the other type.
    const other = profile.users.key_type === "integer" ? "TEXT" : "INTEGER";
    await env.OIDC_DB.prepare(`CREATE TABLE "${profile.users.table}" ("${profile.users.key}" ${other} PRIMARY KEY, "note" TEXT)`).run();
    const typed = await api("POST", "/admin/backup/create", { body: { type: "full_database" } });
    expect(typed.status).toBe(422);
    expect(typed.json.error.field).toBe("users.key_type");
    expect(typed.json.error.message).toContain(`is declared ${other}, not ${profile.users.key_type}`);
    expect(await env.CATALOG_DB.prepare("SELECT count(*) AS n FROM backups").first("n")).toBe(0);
  });
});
