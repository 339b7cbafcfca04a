// Attacks on the objects every backup depends on: deleting the repository's `config` (the next backup used to
// start a new repository under a new data key, leaving every earlier backup unreadable to it), and editing it (the
// chunker parameters; restores then failed in verification, or worse). Defences: src/repo/repository.ts refuses to
// initialise a bucket that already holds repository objects, and authenticates the config with a MAC derived from
// the data key; each database manifest carries its chunker, inside the sealed manifest.
import { describe, expect, it } from "vitest";
import { Layout } from "../../../src/repo/layout";
import { openRepository } from "../../../src/repo/open";
import { env, runBackup, seedWithEdgeCases } from "../helpers";
import { restoreToTest, restoreToTestTarget } from "../helpers";

const keyObjects = async () => (await env.BACKUP_BUCKET.list({ prefix: "keys/" })).objects.map((o) => o.key).sort();

describe("attack: the repository's config", () => {
  it("deleted: no backup starts a new repository over the old one; each fails naming what the bucket holds, and no new data key appears", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 10);
    const first = await runBackup();
    expect(first.status).toBe("completed");
    const keys = await keyObjects();
    const config = await (await env.BACKUP_BUCKET.get(Layout.config))!.text();
    await env.BACKUP_BUCKET.delete(Layout.config);

    const next = await runBackup();
    expect(next.status).toBe("failed");
    expect(next.error.code).toBe("integrity_error");
    expect(next.error.message).toMatch(/config: is missing, but the bucket already holds a repository's objects \(manifests\/.*data\//);
    expect(await keyObjects()).toEqual(keys);
    expect(await env.BACKUP_BUCKET.head(Layout.config)).toBeNull();

    // Put back, the earlier backup restores as it did.
    await env.BACKUP_BUCKET.put(Layout.config, config);
    expect((await restoreToTestTarget(first.backup_id)).status).toBe("completed");
  });

  it("edited: the chunker or the data key id changed in place is caught before anything is read or written", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 10);
    const first = await runBackup();
    const original = await (await env.BACKUP_BUCKET.get(Layout.config))!.json<any>();
    for (const edit of [{ chunker: { ...original.chunker, max: 4096 } }, { repository_id: "0000000000000000" }]) {
      await env.BACKUP_BUCKET.put(Layout.config, JSON.stringify({ ...original, ...edit }));
      await expect(openRepository(env)).rejects.toThrow(/the repository config was altered \(its MAC does not verify\)/);
      // Refused when it is asked for: planning the restore reads the manifest, which needs the config.
      const { started } = await restoreToTest({ backup_id: first.backup_id });
      expect(started.status).toBe(500);
      expect(started.json.error).toMatchObject({ code: "integrity_error", message: expect.stringMatching(/config was altered/) });
    }
    await env.BACKUP_BUCKET.put(Layout.config, JSON.stringify(original));
    expect((await restoreToTestTarget(first.backup_id)).status).toBe("completed");
  });

  it("each database manifest carries the chunker it was cut with", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 5);
    const b = await runBackup();
    const repo = await openRepository(env);
    const manifest = (await repo.getManifestJson(b.backup_id)) as any;
    expect(manifest.chunker).toEqual(repo.config.chunker);
  });
});
