import { describe, expect, it } from "vitest";
import { planDrops } from "../../src/restore/drop-plan";
import { env, migrate, runBackup, runRestore, seedWithEdgeCases, snapshot } from "./helpers";

describe("replacing a populated target", () => {
  it("drops children before parents, and indexes only the self-reference that would be scanned per row", async () => {
    await migrate(env.RESTORE_TARGET_DB);
    const tables = ["users", "oauth_clients", "signing_keys", "refresh_tokens", "authorization_codes", "consents", "auth_events"];
    const plan = await planDrops(env.RESTORE_TARGET_DB, tables);
    const at = (t: string) => plan.order.indexOf(t);
    for (const child of ["refresh_tokens", "authorization_codes", "consents", "auth_events"]) expect(at(child)).toBeLessThan(at("users"));
    for (const child of ["refresh_tokens", "authorization_codes", "consents"]) expect(at(child)).toBeLessThan(at("oauth_clients"));
    // refresh_tokens.parent_id references refresh_tokens and has no index; user_id is covered by refresh_tokens_user.
    expect(plan.lookupIndexes).toEqual([`CREATE INDEX IF NOT EXISTS "_vaultline_fk_refresh_tokens_0" ON "refresh_tokens" ("parent_id")`]);
  });

  it("restores over tables that reference each other in a cycle", async () => {
    const db = env.OIDC_DB;
    await db.batch([
      db.prepare(`CREATE TABLE a (id INTEGER PRIMARY KEY, b_id INTEGER REFERENCES b(id) ON DELETE CASCADE)`),
      db.prepare(`CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a(id) ON DELETE CASCADE)`),
    ]);
    await db.batch([
      db.prepare(`PRAGMA defer_foreign_keys = ON`),
      db.prepare(`INSERT INTO a VALUES (1, 1), (2, 2)`),
      db.prepare(`INSERT INTO b VALUES (1, 2), (2, 1)`),
    ]);
    const backup = await runBackup();
    const source = await snapshot(db);
    // The target holds other rows of the same cyclic schema, plus the provider's tables.
    await migrate(env.RESTORE_TARGET_DB);
    await seedWithEdgeCases(env.RESTORE_TARGET_DB, 30);
    const t = env.RESTORE_TARGET_DB;
    await t.batch([
      t.prepare(`CREATE TABLE a (id INTEGER PRIMARY KEY, b_id INTEGER REFERENCES b(id) ON DELETE CASCADE)`),
      t.prepare(`CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a(id) ON DELETE CASCADE)`),
    ]);
    await t.batch([
      t.prepare(`PRAGMA defer_foreign_keys = ON`),
      t.prepare(`INSERT INTO a VALUES (7, 7)`),
      t.prepare(`INSERT INTO b VALUES (7, 7)`),
    ]);

    const restore = await runRestore(backup.backup_id, "test");
    expect(restore.status, JSON.stringify(restore.error)).toBe("completed");
    expect(await snapshot(t)).toEqual(source);
  });
});
