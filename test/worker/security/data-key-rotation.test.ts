// Attack: a master key leaked, and with it (through any copy of the old wraps) the one data key that sealed every
// object, past and future. Defence: data key rotation (src/repo/data-keys.ts): objects written after it are sealed
// with a new data key, wrapped only by the current master key; older objects stay readable under theirs. The chain of
// data keys is vouched for key by key, so a planted or edited entry is an integrity error, not a key swap.
import { describe, expect, it } from "vitest";
import { Layout } from "../../../src/repo/layout";
import { openRepository } from "../../../src/repo/open";
import { wrapsOf } from "../../../src/repo/key-objects";
import { sealedKeyId } from "../../../src/repo/sealed-object";
import { api, env, runBackup, seedWithEdgeCases, snapshot } from "../helpers";
import { restoreToTestTarget } from "../helpers";

const keyOfManifest = async (backupId: string) =>
  sealedKeyId(Layout.manifest(backupId), new Uint8Array(await (await env.BACKUP_BUCKET.get(Layout.manifest(backupId)))!.arrayBuffer()));

describe("attack: one data key for ever", () => {
  it("after a rotation, new backups are sealed with a new data key only the current master key wraps; earlier ones still restore exactly", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 15);
    const before = await runBackup();
    const first = (await openRepository(env)).dataKey.id;
    expect(await keyOfManifest(before.backup_id)).toBe(first);

    expect((await api("POST", "/admin/keys/data-key/rotate", { as: "operator" })).status).toBe(403);
    const rotated = await api("POST", "/admin/keys/data-key/rotate");
    expect(rotated.status, JSON.stringify(rotated.json)).toBe(200);
    expect(rotated.json).toMatchObject({ n: 1, previous_data_key_id: first });
    const second = rotated.json.data_key_id as string;
    expect(second).not.toBe(first);
    const repo = await openRepository(env);
    expect(repo.dataKey.id).toBe(second);
    expect(repo.dataKeyIds()).toEqual([first, second]);
    // Only the current master key wraps the new data key: a leaked earlier master key (and any copy of its wraps)
    // opens none of what is written from now on.
    const currentKek = (await api("GET", "/admin/keys")).json.current_kek;
    expect(await wrapsOf(env.BACKUP_BUCKET, second)).toEqual([currentKek]);
    expect((await wrapsOf(env.BACKUP_BUCKET, first)).length).toBeGreaterThanOrEqual(1);

    const after = await runBackup();
    expect(after.status).toBe("completed");
    expect(await keyOfManifest(after.backup_id)).toBe(second);
    // Chunk ids are keyed by the data key: the unchanged database is stored again under the new key (no dedup across).
    expect(after.manifest.new_chunks).toBe(after.manifest.chunks);
    expect(after.manifest.chunks).toBeGreaterThan(0);

    const source = await snapshot(env.OIDC_DB);
    for (const b of [before, after]) {
      const r = await restoreToTestTarget(b.backup_id);
      expect(r.status, JSON.stringify(r.error)).toBe("completed");
    }
    expect(await snapshot(env.RESTORE_TARGET_DB)).toEqual(source);
  });

  it("an edited or planted chain entry is refused naming it; nothing opens past it", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 5);
    await runBackup();
    expect((await api("POST", "/admin/keys/data-key/rotate")).status).toBe(200);
    const entry = await (await env.BACKUP_BUCKET.get(Layout.keychain(1)))!.json<any>();
    // Point the entry at another data key the keyring can open (the first one), keeping the old MAC.
    await env.BACKUP_BUCKET.put(Layout.keychain(1), JSON.stringify({ ...entry, data_key_id: entry.previous_data_key_id }));
    await expect(openRepository(env)).rejects.toThrow(/keychain\/000001: its MAC does not verify under the data key before it/);
    await env.BACKUP_BUCKET.put(Layout.keychain(1), JSON.stringify(entry));
    await env.BACKUP_BUCKET.put(Layout.keychain(2), JSON.stringify({ ...entry, n: 2, previous_data_key_id: entry.data_key_id }));
    await expect(openRepository(env)).rejects.toThrow(/keychain\/000002: its MAC does not verify/);
  });
});
