import { describe, expect, it } from "vitest";
import { Layout } from "../../src/repo/layout";
import { env, migrate, runBackup, runRestore, seedWithEdgeCases, snapshot, userTables } from "./helpers";

describe("full database backup and restore", () => {
  it("restores the seeded database exactly: every row, storage class, BLOB, schema object and AUTOINCREMENT counter", async () => {
    await seedWithEdgeCases(env.OIDC_DB);
    const source = await snapshot(env.OIDC_DB);
    expect(Object.keys(source.tables)).toEqual(
      expect.arrayContaining([
        "users",
        "oauth_clients",
        "signing_keys",
        "refresh_tokens",
        "authorization_codes",
        "consents",
        "auth_events",
        "edge_values",
      ]),
    );
    expect(source.tables.auth_events!.length).toBeGreaterThan(2500);

    const backup = await runBackup();
    expect(backup.status, JSON.stringify(backup.error)).toBe("completed");
    const rowCount = Object.values(source.tables).reduce((n, t) => n + t.length, 0);
    expect(backup.manifest.rows).toBe(rowCount);
    expect(backup.manifest.new_chunks).toBeGreaterThan(0);

    const restore = await runRestore(backup.backup_id, "test");
    expect(restore.status, JSON.stringify(restore)).toBe("completed");
    expect(restore.log.map((l: any) => l.message).join("\n")).toMatch(/staging matches the manifest[\s\S]*target matches the manifest/);

    const restored = await snapshot(env.RESTORE_TARGET_DB);
    expect(restored.objects).toEqual(source.objects);
    expect(restored.seq).toEqual(source.seq);
    for (const name of Object.keys(source.tables)) expect(restored.tables[name], name).toEqual(source.tables[name]);
    // The edge cases survive with their storage classes (a REAL 1e308, integers past 2^53, a 150 kB BLOB).
    const edge = restored.tables.edge_values as any[];
    expect(edge.find((r) => r.k === "big-blob").b.length).toBe(150_000);
    expect(edge.find((r) => r.k === "min-int").anything__type).toBe("real");
    // No staging table is left behind.
    expect((await userTables(env.RESTORE_TARGET_DB)).filter((t) => t.startsWith("_vaultline_"))).toEqual([]);
  });

  it("writes no new chunks when the database has not changed", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 120);
    const first = await runBackup();
    expect(first.status).toBe("completed");
    const second = await runBackup();
    expect(second.status).toBe("completed");
    expect(second.manifest.chunks).toBe(first.manifest.chunks);
    expect(second.manifest.new_chunks).toBe(0);
    expect(second.manifest.rows).toBe(first.manifest.rows);

    // One changed row touches one chunk, not every chunk after it.
    await env.OIDC_DB.prepare(`UPDATE auth_events SET ip = '203.0.113.9' WHERE id = (SELECT min(id) FROM auth_events)`).run();
    const third = await runBackup();
    expect(third.manifest.new_chunks).toBe(1);
  });

  it("a flipped byte in a stored chunk fails the restore, names the object, and leaves the target untouched", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 150);
    const backup = await runBackup();
    // The target already holds a database someone relies on.
    await migrate(env.RESTORE_TARGET_DB);
    await seedWithEdgeCases(env.RESTORE_TARGET_DB, 40);
    const before = await snapshot(env.RESTORE_TARGET_DB);

    // Corrupt a chunk of the last table, so earlier tables have already loaded into staging when it fails.
    const listed = await env.BACKUP_BUCKET.list({ prefix: "data/" });
    const chunkKeys = listed.objects.map((o) => o.key);
    const victim = await pickChunkOfTable(backup.backup_id, "edge_values", chunkKeys);
    const obj = await env.BACKUP_BUCKET.get(victim);
    const bytes = new Uint8Array(await obj!.arrayBuffer());
    bytes[bytes.length - 20]! ^= 0x01;
    await env.BACKUP_BUCKET.put(victim, bytes, { customMetadata: obj!.customMetadata });

    const restore = await runRestore(backup.backup_id, "test");
    expect(restore.status).toBe("failed");
    expect(restore.error.code).toBe("integrity_error");
    expect(restore.error.message).toContain(victim);
    expect(await snapshot(env.RESTORE_TARGET_DB)).toEqual(before);
    expect((await userTables(env.RESTORE_TARGET_DB)).filter((t) => t.startsWith("_vaultline_"))).toEqual([]);
  });
});

/** The object key of a chunk that belongs to `table`, read from the manifest through the repository. */
async function pickChunkOfTable(backupId: string, table: string, _keys: string[]): Promise<string> {
  const { Repository } = await import("../../src/repo/repository");
  const repo = await Repository.open(env.BACKUP_BUCKET, env.BACKUP_ENCRYPTION_KEY);
  const manifest = (await repo.getManifestJson(backupId)) as any;
  const t = manifest.tables.find((x: any) => x.name === table);
  return Layout.chunk(t.chunks[t.chunks.length - 1].id);
}
