import { describe, expect, it } from "vitest";
import { importMasterKey } from "../../src/repo/key-material";
import { Repository } from "../../src/repo/repository";
import { PREVIOUS_MASTER_KEY, TEST_MASTER_KEY } from "../tokens";
import { api, approveChange, env, runBackup, seedWithEdgeCases, userSnapshot, waitFor, waitRestore } from "./helpers";

const kekOf = async (k: string) => (await importMasterKey(k)).kekId;

/** The repository as it stood before the operator switched keys: created, and so far wrapped, under the previous key only. */
async function repositoryUnderPreviousKey() {
  await Repository.open(env.BACKUP_BUCKET, PREVIOUS_MASTER_KEY);
}

async function restoreIntoTest(backupId: string) {
  const started = await api("POST", "/admin/backup/restore", { body: { backup_id: backupId, target_environment: "test" } });
  expect(started.status, JSON.stringify(started.json)).toBe(202);
  return waitRestore(started.json.restore_id);
}

async function rotate() {
  const started = await api("POST", "/admin/keys/rotate");
  expect(started.status).toBe(202);
  const done = await waitFor(
    async () => (await api("GET", `/admin/keys/rotations/${started.json.rotation_id}`)).json,
    (r) => r.status !== "running",
  );
  return { id: started.json.rotation_id as string, done };
}

describe("keyring and rotation", () => {
  it("backups made under the previous key restore before and after rotation; the old key is retirable only once nothing needs it", async () => {
    const previous = await kekOf(PREVIOUS_MASTER_KEY);
    const current = await kekOf(TEST_MASTER_KEY);
    await repositoryUnderPreviousKey();
    await seedWithEdgeCases(env.OIDC_DB, 25);
    // The keyring opens the repository through the old key until the rotation.
    const before = await runBackup();
    expect(before.status, JSON.stringify(before.error)).toBe("completed");
    const source = await userSnapshot(env.OIDC_DB);

    const keys = (await api("GET", "/admin/keys")).json;
    expect(keys.current_kek).toBe(current);
    const old = keys.master_keys.find((k: any) => k.kek_id === previous);
    expect(old).toMatchObject({ held_as: "old", retirable: false, backups_needing_it: 1 });
    expect(old.still_needed_for).toHaveLength(1);
    const early = await api("POST", `/admin/keys/${previous}/retire`, { as: "alice" });
    expect(early.status).toBe(409);
    expect(early.json.error.message).toMatch(
      new RegExp(`master key ${previous} is still the only key for data key\\(s\\) [0-9a-f]{32} \\(1 completed backups\\)`),
    );

    // Without the old key, a restore cannot open the repository, and the error names the key id it needs.
    const withoutOld = await Repository.open(env.BACKUP_BUCKET, TEST_MASTER_KEY).catch((e) => e);
    expect(withoutOld.code).toBe("key_mismatch");
    expect(withoutOld.message).toContain(`wrapped only by master key id(s) ${previous}`);
    expect(withoutOld.message).toContain(`Put the key with id ${previous} back`);

    const { id, done } = await rotate();
    expect(done).toMatchObject({ status: "completed", to_kek: current, rewrapped: 1 });
    expect(done.report.master_keys.find((k: any) => k.kek_id === previous)).toMatchObject({
      retirable: true,
      still_needed_for: [],
      backups_needing_it: 0,
    });
    // No key material in the workflow's stored state: the steps that touched it kept their output out.
    const instance = await env.KEY_ROTATION.get(id);
    const status = await instance.status();
    expect(JSON.stringify(status)).not.toContain(PREVIOUS_MASTER_KEY);
    expect(JSON.stringify(status)).not.toContain(TEST_MASTER_KEY);

    // The current key alone now opens it (the old one could be removed from the keyring), and the backup restores exactly.
    await Repository.open(env.BACKUP_BUCKET, TEST_MASTER_KEY);
    const restored = await restoreIntoTest(before.backup_id);
    expect(restored.status, JSON.stringify(restored.error)).toBe("completed");
    expect(await userSnapshot(env.RESTORE_TARGET_DB)).toEqual(source);

    // Retiring needs a second factor; then it deletes the old wraps, so the old key opens nothing any more.
    expect((await api("POST", `/admin/keys/${previous}/retire`)).json.error.code).toBe("mfa_required");
    // Asked, nothing is deleted until a second person approves.
    const asked = await api("POST", `/admin/keys/${previous}/retire`, { as: "alice" });
    expect(asked.status, JSON.stringify(asked.json)).toBe(202);
    expect(asked.json).toMatchObject({ kind: "key_retire", target: previous, status: "awaiting_approval" });
    await Repository.open(env.BACKUP_BUCKET, PREVIOUS_MASTER_KEY);
    const retired = await approveChange(asked.json.change_id);
    expect(retired).toMatchObject({ status: "applied", decided_by: "bob@approve" });
    expect((await env.CATALOG_DB.prepare(`SELECT detail FROM audit_log WHERE action = 'key.retired'`).first<string>("detail")) ?? "").toBe(
      JSON.stringify({ wraps_deleted: 1 }),
    );
    const byOld = await Repository.open(env.BACKUP_BUCKET, PREVIOUS_MASTER_KEY).catch((e) => e);
    expect(byOld.code).toBe("key_mismatch");
    expect(byOld.message).toContain(`wrapped only by master key id(s) ${current}`);
    expect((await api("POST", `/admin/keys/${current}/retire`, { as: "alice" })).status).toBe(409);

    const audited = (
      await env.CATALOG_DB.prepare(`SELECT action FROM audit_log WHERE action LIKE 'key.%' ORDER BY id`).all<{ action: string }>()
    ).results.map((r) => r.action);
    expect(audited).toEqual(["key.rotation.started", "key.rotation.completed", "key.retired"]);
  });

  it("a rotation is idempotent: run again, it writes nothing and every key stays readable", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 5);
    expect((await runBackup()).status).toBe("completed");
    const { done } = await rotate();
    expect(done).toMatchObject({ status: "completed", rewrapped: 0 });
    const again = await rotate();
    expect(again.done.rewrapped).toBe(0);
  });

  it("a keyring entry that is not a key is a config error naming the entry, never echoing it", async () => {
    const { loadKeyring } = await import("../../src/key-management/keyring");
    const err = await loadKeyring(TEST_MASTER_KEY, JSON.stringify([PREVIOUS_MASTER_KEY, "c2hvcnQ="])).catch((e) => e);
    expect(err).toMatchObject({
      code: "config_error",
      field: "BACKUP_ENCRYPTION_KEYS_OLD",
      message: "BACKUP_ENCRYPTION_KEYS_OLD[1] must decode to 32 bytes, got 5",
    });
    expect((await loadKeyring(TEST_MASTER_KEY, "not json").catch((e) => e)).message).not.toContain("not json");
  });
});
