import { describe, expect, it } from "vitest";
import { DatabaseManifest } from "../../schemas/manifest";
import { stagingScanSpec } from "../../src/db/scan";
import { Repository } from "../../src/repo/repository";
import { loadChunks } from "../../src/restore/load";
import { createStaging, stageName } from "../../src/restore/staging";
import { verifySlice, verifyTargetShape } from "../../src/restore/verify-against-manifest";
import { env, migrate, runBackup, runRestore, seedWithEdgeCases } from "./helpers";

async function backedUp() {
  await seedWithEdgeCases(env.OIDC_DB, 60);
  const b = await runBackup();
  const repo = await Repository.open(env.BACKUP_BUCKET, env.BACKUP_ENCRYPTION_KEY);
  const manifest = DatabaseManifest.parse(await repo.getManifestJson(b.backup_id));
  return { repo, manifest, backupId: b.backup_id as string };
}

describe("verification against the manifest", () => {
  it("staging verification proves loaded rows, and names the table when one value differs", async () => {
    const { repo, manifest } = await backedUp();
    const db = env.RESTORE_TARGET_DB;
    await createStaging(db, "rs_t", manifest.schema.tables);
    await loadChunks(
      db,
      repo,
      manifest.tables.flatMap((t, ti) => t.chunks.map((_, ci) => ({ stage: stageName("rs_t", ti), table: t, chunkIndex: ci }))),
    );
    const specs = manifest.schema.tables.map((t, i) => stagingScanSpec(t, stageName("rs_t", i)));
    const start = { table: 0, after: null, chunk: 0, rows: 0 };
    expect(await verifySlice(db, specs, manifest.tables, repo.config.chunker, start, 1 << 30)).toBeNull();

    const users = manifest.tables.findIndex((t) => t.name === "users");
    await db.prepare(`UPDATE "${stageName("rs_t", users)}" SET "email" = 'mallory@example.com' WHERE "_vl_seq" = 7`).run();
    await expect(verifySlice(db, specs, manifest.tables, repo.config.chunker, start, 1 << 30)).rejects.toThrow(
      /table users: chunk 1 of the restored data/,
    );

    await db.prepare(`DELETE FROM "${stageName("rs_t", users)}" WHERE "_vl_seq" = 7`).run();
    await expect(verifySlice(db, specs, manifest.tables, repo.config.chunker, start, 1 << 30)).rejects.toMatchObject({
      code: "verification_failed",
    });
  });

  it("the post-swap check finds a missing index, a stray table or a wrong row count", async () => {
    const { manifest, backupId } = await backedUp();
    const restore = await runRestore(backupId, "test");
    expect(restore.status).toBe("completed");
    const db = env.RESTORE_TARGET_DB;
    await expect(verifyTargetShape(db, manifest)).resolves.toBeUndefined();

    await db.prepare("DROP INDEX auth_events_at").run();
    await expect(verifyTargetShape(db, manifest)).rejects.toThrow(/index auth_events_at is missing/);
    await db.prepare(manifest.schema.objects.find((o) => o.name === "auth_events_at")!.sql).run();

    await db.prepare("CREATE TABLE stray (x)").run();
    await expect(verifyTargetShape(db, manifest)).rejects.toThrow(/table stray is in the target but not in the backup/);
    await db.prepare("DROP TABLE stray").run();

    await db.prepare("DELETE FROM auth_events WHERE id = (SELECT max(id) FROM auth_events)").run();
    await expect(verifyTargetShape(db, manifest)).rejects.toThrow(/auth_events has \d+ rows after the swap/);
  });

  it("restores into a target that already has the provider schema migrated", async () => {
    const { backupId } = await backedUp();
    await migrate(env.RESTORE_TARGET_DB);
    expect((await runRestore(backupId, "test")).status).toBe("completed");
  });
});
