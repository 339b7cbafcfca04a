import { importMasterKey } from "../../src/repo/key-material";
import { introspectWorkflow } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Repository } from "../../src/repo/repository";
import { OTHER_MASTER_KEY } from "../tokens";
import { api, env, migrate, runBackup, runRestore, seedWithEdgeCases, snapshot, userTables, waitRestore, waitFor } from "./helpers";

describe("restores never leave a target half-restored", () => {
  it("a failure injected at the swap leaves the target exactly as it was and drops the staging tables", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 80);
    const backup = await runBackup();
    await migrate(env.RESTORE_TARGET_DB);
    await seedWithEdgeCases(env.RESTORE_TARGET_DB, 10);
    const before = await snapshot(env.RESTORE_TARGET_DB);

    await using wf = await introspectWorkflow(env.DATABASE_RESTORE);
    await wf.modifyAll(async (m) => {
      await m.disableRetryDelays();
      await m.mockStepError({ name: "swap: fill 1" }, new Error("injected: D1 went away mid-restore"));
    });
    const restore = await runRestore(backup.backup_id, "test");
    expect(restore.status).toBe("failed");
    expect(restore.error.message).toContain("injected");
    // Every chunk was loaded and verified in staging before the swap failed.
    expect(restore.log.map((l: any) => l.message).join("\n")).toMatch(/staging matches the manifest/);
    expect(restore.log.at(-1).message).toMatch(/target left as it was/);
    expect(await snapshot(env.RESTORE_TARGET_DB)).toEqual(before);
    expect((await userTables(env.RESTORE_TARGET_DB)).filter((t) => t.startsWith("_vaultline_"))).toEqual([]);
  });

  it("a production restore puts back the backed-up database over later damage (deleted rows, stray table, dropped index, changed client)", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 100);
    const backup = await runBackup();
    const atBackup = await snapshot(env.OIDC_DB);

    // Damage: deleted users (cascading to their tokens), a stray table, a dropped index, a changed client.
    await env.OIDC_DB.batch([
      env.OIDC_DB.prepare("DELETE FROM users WHERE id <= 20"),
      env.OIDC_DB.prepare("CREATE TABLE scratch (x)"),
      env.OIDC_DB.prepare("DROP INDEX auth_events_at"),
      env.OIDC_DB.prepare("UPDATE oauth_clients SET redirect_uris = '[\"https://evil.example\"]' WHERE client_id = 'client-001'"),
    ]);
    expect(await snapshot(env.OIDC_DB)).not.toEqual(atBackup);

    const restore = await runRestore(backup.backup_id, "production");
    expect(restore.status, JSON.stringify(restore.error)).toBe("completed");
    expect(restore.target_environment).toBe("production");
    expect(await snapshot(env.OIDC_DB)).toEqual(atBackup);
    // The replaced tables were renamed aside in the swap and dropped after it: nothing is left over.
    // Staged: gate (a test restore ran first), approval by a second person, safety snapshot, then the database.
    expect(restore.gate_test_id).toMatch(/^tr_/);
    expect(restore.approval).toMatchObject({ requested_by: "alice@admin", decision: "approve", decided_by: "bob@approve" });
    expect(Object.keys(restore.safety_backups)).toEqual(["database"]);
    const dbRestore = (await api("GET", `/admin/restore/${restore.restores[0].restore_id}`)).json;
    expect(dbRestore.log.at(-1).message).toMatch(/dropped the 11 table\(s\) the restore replaced/); // 10 restored, plus the stray one
    expect((await userTables(env.OIDC_DB)).filter((t) => t.startsWith("_vaultline_"))).toEqual([]);
  });

  it("refuses a second restore into the same target while one runs, and allows one into another target", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 20);
    const backup = await runBackup();
    // A restore into the test target is mid-flight (as the catalog records it).
    await env.CATALOG_DB.prepare(
      `INSERT INTO restores (id, backup_id, components, target_environment, target_binding, status, requested_by, created_at, updated_at)
       VALUES ('rs_running_1', ?, '["database"]', 'test', 'RESTORE_TARGET_DB', 'running', 'x', '2026-11-29', '2026-11-29')`,
    )
      .bind(backup.backup_id)
      .run();
    const second = await api("POST", "/admin/backup/restore", { body: { backup_id: backup.backup_id, target_environment: "test" } });
    expect(second.status).toBe(409);
    expect(second.json.error.message).toContain("rs_running_1");
    // Production is another target: its restore starts. Its gate needs the sandbox for a test restore, so it
    // waits (status running, stage gate) until the sandbox is free.
    const prod = await api("POST", "/admin/backup/restore", {
      body: {
        backup_id: backup.backup_id,
        target_environment: "production",
        confirmation: "I understand this will overwrite current data",
      },
      as: "alice",
    });
    expect(prod.status).toBe(202);
    await waitFor(
      async () => (await api("GET", `/admin/restore/${prod.json.restore_id}`)).json,
      (r) => r.stage === "gate",
    );
    const another = await api("POST", "/admin/backup/restore", {
      body: {
        backup_id: backup.backup_id,
        target_environment: "production",
        confirmation: "I understand this will overwrite current data",
      },
      as: "alice",
    });
    expect(another.status).toBe(409);
    expect(another.json.error.message).toContain(prod.json.restore_id);
    await env.CATALOG_DB.prepare(`UPDATE restores SET status = 'completed' WHERE id = 'rs_running_1'`).run();
    const done = await waitRestore(prod.json.restore_id);
    expect(done.status, JSON.stringify(done.error)).toBe("completed");
  });
});

describe("keys", () => {
  it("a wrong BACKUP_ENCRYPTION_KEY is refused with the key ids, never read as garbage", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 20);
    await runBackup();
    const err = await Repository.open(env.BACKUP_BUCKET, OTHER_MASTER_KEY).catch((e) => e);
    expect(err.code).toBe("key_mismatch");
    const right = await Repository.open(env.BACKUP_BUCKET, env.BACKUP_ENCRYPTION_KEY);
    expect(err.message).toContain(right.config.data_key_id);
    expect(err.message).toMatch(/key id [0-9a-f]{16}/);
  });

  it("a backup whose repository was created under another master key fails with key_mismatch", async () => {
    await Repository.open(env.BACKUP_BUCKET, OTHER_MASTER_KEY); // someone else's repository already lives in the bucket
    await seedWithEdgeCases(env.OIDC_DB, 10);
    const b = await runBackup();
    expect(b.status).toBe("failed");
    expect(b.error.code).toBe("key_mismatch");
    const other = (await importMasterKey(OTHER_MASTER_KEY)).kekId;
    expect(b.error.message).toMatch(
      new RegExp(`no master key held here opens this repository: .* wrapped only by master key id\\(s\\) ${other}`),
    );
    expect(b.error.message).toContain(`Put the key with id ${other} back into BACKUP_ENCRYPTION_KEYS_OLD`);
  });

  it.each([
    [undefined, /not set/],
    ["not base64!!", /base64/],
    [btoa("short"), /32 bytes/],
  ])("a malformed master key (%s) is a config error naming the secret", async (key, msg) => {
    const err = await Repository.open(env.BACKUP_BUCKET, key).catch((e) => e);
    expect(err.code).toBe("config_error");
    expect(err.field).toBe("BACKUP_ENCRYPTION_KEY");
    expect(err.message).toMatch(msg);
  });
});
