import { describe, expect, it } from "vitest";
import { api, env, runBackup, seedWithEdgeCases, snapshot } from "./helpers";
import { waitRestore } from "./helpers";

const PROD = { target_environment: "production", confirmation: "I understand this will overwrite current data" };

async function restore(body: Record<string, unknown>) {
  const started = await api("POST", "/admin/backup/restore", { body: { ...PROD, ...body }, as: "alice" });
  if (started.status !== 202) return { started, done: null as any };
  const done = await waitRestore(started.json.restore_id);
  return { started, done };
}

/** Rows of a snapshot that belong to a user (the users row, and rows whose user_id is the user), or all the others. */
function split(snap: Awaited<ReturnType<typeof snapshot>>, userId: number) {
  const mine: Record<string, unknown[]> = {};
  const others: Record<string, unknown[]> = {};
  for (const [table, rows] of Object.entries(snap.tables)) {
    const owned = (r: any) => (table === "users" ? r.id === userId : r.user_id === userId);
    mine[table] = (rows as any[]).filter(owned);
    others[table] = (rows as any[]).filter((r) => !owned(r));
  }
  return { mine, others };
}

async function damageUser(db: D1Database, userId: number, tag: string) {
  await db.batch([
    db.prepare(`UPDATE users SET email = ?, name = NULL WHERE id = ?`).bind(`${tag}@evil.example`, userId),
    db.prepare(`DELETE FROM refresh_tokens WHERE user_id = ? AND id % 2 = 0`).bind(userId),
    db.prepare(`UPDATE refresh_tokens SET revoked_at = 1 WHERE user_id = ?`).bind(userId),
    db.prepare(`DELETE FROM consents WHERE user_id = ?`).bind(userId),
    db.prepare(`INSERT INTO auth_events (user_id, type, success, at) VALUES (?, 'login', 1, 1999999999)`).bind(userId),
    db.prepare(`UPDATE auth_events SET ip = '203.0.113.66' WHERE user_id = ?`).bind(userId),
  ]);
}

describe("granular database restores", () => {
  it("one user's rows come back across every table that references the user; nobody else's row changes", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 80);
    const backup = await runBackup();
    const atBackup = split(await snapshot(env.OIDC_DB), 5);
    await damageUser(env.OIDC_DB, 5, "five");
    await damageUser(env.OIDC_DB, 6, "six"); // another user's later changes must survive
    const beforeRestore = split(await snapshot(env.OIDC_DB), 5);

    const { started, done } = await restore({ backup_id: backup.backup_id, database: { user_id: 5 } });
    expect(started.status).toBe(202);
    expect(done.status, JSON.stringify(done.error)).toBe("completed");
    const dbRestore = (await api("GET", `/admin/restore/${done.restores[0].restore_id}`)).json;
    expect(dbRestore.log.map((l: any) => l.message).join("\n")).toMatch(/user 5's rows[\s\S]*users, .*refresh_tokens/);

    const after = split(await snapshot(env.OIDC_DB), 5);
    expect(after.mine).toEqual(atBackup.mine); // user 5 exactly as backed up (the users_touch trigger did not fire)
    expect(after.others).toEqual(beforeRestore.others); // everyone else exactly as before the restore, user 6's damage included
  });

  it("named tables come back whole; other tables keep their current rows", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 60);
    const backup = await runBackup();
    const atBackup = await snapshot(env.OIDC_DB);
    await env.OIDC_DB.batch([
      env.OIDC_DB.prepare(`DELETE FROM auth_events WHERE id % 3 = 0`),
      env.OIDC_DB.prepare(`UPDATE auth_events SET success = 0 WHERE id % 5 = 0`),
      env.OIDC_DB.prepare(`UPDATE users SET locale = 'xx-XX' WHERE id <= 10`),
    ]);
    const damaged = await snapshot(env.OIDC_DB);

    const { done } = await restore({ backup_id: backup.backup_id, database: { tables: ["auth_events"] } });
    expect(done.status, JSON.stringify(done.error)).toBe("completed");
    const after = await snapshot(env.OIDC_DB);
    expect(after.tables.auth_events).toEqual(atBackup.tables.auth_events);
    expect(after.tables.users).toEqual(damaged.tables.users);
    expect(after.tables.refresh_tokens).toEqual(damaged.tables.refresh_tokens);
  });

  it("restoring a parent table does not cascade into its children", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 40);
    const backup = await runBackup();
    const atBackup = await snapshot(env.OIDC_DB);
    await env.OIDC_DB.prepare(`UPDATE users SET name = 'changed'`).run();
    const { done } = await restore({ backup_id: backup.backup_id, database: { tables: ["users"] } });
    expect(done.status, JSON.stringify(done.error)).toBe("completed");
    const after = await snapshot(env.OIDC_DB);
    expect(after.tables.users).toEqual(atBackup.tables.users);
    expect(after.tables.refresh_tokens).toEqual(atBackup.tables.refresh_tokens); // ON DELETE CASCADE never ran
    expect(after.tables.consents).toEqual(atBackup.tables.consents);
  });

  it("refuses selections the backup does not hold, naming the field, and tables defined differently now", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 20);
    const backup = await runBackup();
    const noTable = await restore({ backup_id: backup.backup_id, database: { tables: ["users", "sessions"] } });
    expect(noTable.started.status).toBe(400);
    expect(noTable.started.json.error.field).toBe("database.tables[1]");
    const noUser = await restore({ backup_id: backup.backup_id, database: { user_id: 999999 } });
    expect(noUser.started.json.error.field).toBe("database.user_id");
    expect(noUser.started.json.error.message).toContain("no user 999999");
    const both = await restore({ backup_id: backup.backup_id, database: { tables: ["users"], user_id: 1 } });
    expect(both.started.json.error.field).toBe("database.user_id");

    await env.OIDC_DB.prepare(`ALTER TABLE users ADD COLUMN nickname TEXT`).run();
    const before = await snapshot(env.OIDC_DB);
    const changed = await restore({ backup_id: backup.backup_id, database: { user_id: 3 } });
    expect(changed.done.status).toBe("failed");
    expect(changed.done.error.code).toBe("scope_error");
    expect(changed.done.error.message).toMatch(/users is defined differently/);
    expect(await snapshot(env.OIDC_DB)).toEqual(before);
  });
});
