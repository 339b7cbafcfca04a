import { describe, expect, it } from "vitest";
import { api, env, waitFor } from "./helpers";
import { waitRestore } from "./helpers";

const MiB = 1 << 20;

/** A deterministic, incompressible-ish body of n bytes. */
function body(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

async function seedAssets(bucket: R2Bucket) {
  await bucket.put("avatars/0001.png", body(40_000, 1), {
    httpMetadata: { contentType: "image/png", cacheControl: "public, max-age=3600" },
    customMetadata: { owner: "user-1" },
  });
  await bucket.put("avatars/0002.png", body(52_000, 2), { httpMetadata: { contentType: "image/png" } });
  await bucket.put("branding/logo ü 🔐.svg", new TextEncoder().encode("<svg xmlns='http://www.w3.org/2000/svg'/>".repeat(200)), {
    httpMetadata: { contentType: "image/svg+xml", contentLanguage: "de" },
  });
  await bucket.put("exports/audit-2026-11.jsonl", body(20 * MiB + 12_345, 3), {
    httpMetadata: { contentType: "application/x-ndjson" },
    customMetadata: { rows: "123456" },
  });
  await bucket.put("empty.txt", new Uint8Array(0));
}

/** Every object's bytes and metadata, for exact comparison. */
async function bucketState(bucket: R2Bucket) {
  const out: Record<string, unknown> = {};
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ cursor, include: ["httpMetadata", "customMetadata"] });
    for (const o of page.objects) {
      const got = await bucket.get(o.key);
      const digest = await crypto.subtle.digest("SHA-256", await got!.arrayBuffer());
      out[o.key] = {
        size: o.size,
        sha256: [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join(""),
        http: o.httpMetadata,
        custom: o.customMetadata,
      };
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return out;
}

async function assetBackup() {
  const created = await api("POST", "/admin/backup/create", { body: { type: "assets" } });
  expect(created.status, JSON.stringify(created.json)).toBe(202);
  return waitFor(
    async () => (await api("GET", `/admin/backup/${created.json.backup_id}`)).json,
    (b) => b.status === "completed" || b.status === "failed",
  );
}

async function assetRestore(body: Record<string, unknown>) {
  const started = await api("POST", "/admin/backup/restore", { body: { components: ["assets"], ...body }, as: "alice" });
  if (started.status !== 202) return { started };
  const done = await waitRestore(started.json.restore_id);
  return { started, done };
}

const PROD = { target_environment: "production", confirmation: "I understand this will overwrite current data" };

describe("R2 asset backups", () => {
  it("round-trip every object exactly: bytes, httpMetadata, customMetadata, a 20 MiB object in parts, an empty object, unicode keys", async () => {
    await seedAssets(env.ASSETS_BUCKET);
    const source = await bucketState(env.ASSETS_BUCKET);
    const b = await assetBackup();
    expect(b.status, JSON.stringify(b.error)).toBe("completed");
    expect(b.type).toBe("assets");
    expect(b.components).toEqual(["assets"]);
    expect(b.manifest.rows).toBe(5); // objects

    const { done } = await assetRestore({ backup_id: b.backup_id, target_environment: "test" });
    expect(done.status, JSON.stringify(done.error)).toBe("completed");
    expect(await bucketState(env.RESTORE_TARGET_BUCKET)).toEqual(source);
  });

  it("a second backup of an unchanged bucket reads and stores no object bytes", async () => {
    await seedAssets(env.ASSETS_BUCKET);
    const first = await assetBackup();
    const before = (await env.BACKUP_BUCKET.list({ prefix: "data/" })).objects.length;
    const second = await assetBackup();
    expect(second.status).toBe("completed");
    expect(second.manifest.new_chunks).toBe(0);
    expect((await env.BACKUP_BUCKET.list({ prefix: "data/" })).objects.length).toBe(before);
    expect(second.manifest.rows).toBe(first.manifest.rows);
  });

  it("a deleted asset is absent from the later backup and present in the earlier one", async () => {
    await seedAssets(env.ASSETS_BUCKET);
    const earlier = await assetBackup();
    await env.ASSETS_BUCKET.delete("avatars/0002.png");
    await env.ASSETS_BUCKET.put("avatars/0001.png", body(41_000, 9), { httpMetadata: { contentType: "image/png" } }); // changed
    const later = await assetBackup();
    expect(later.status).toBe("completed");
    expect(later.manifest.rows).toBe(4);

    const r1 = await assetRestore({ backup_id: later.backup_id, target_environment: "test" });
    expect(r1.done.status).toBe("completed");
    expect(await env.RESTORE_TARGET_BUCKET.head("avatars/0002.png")).toBeNull();
    expect((await env.RESTORE_TARGET_BUCKET.head("avatars/0001.png"))!.size).toBe(41_000);

    const r2 = await assetRestore({ backup_id: earlier.backup_id, target_environment: "test" });
    expect(r2.done.status).toBe("completed");
    expect((await env.RESTORE_TARGET_BUCKET.head("avatars/0002.png"))!.size).toBe(52_000);
    expect((await env.RESTORE_TARGET_BUCKET.head("avatars/0001.png"))!.size).toBe(40_000);
  });

  it("restores a prefix or one key into the original bucket, touching nothing else", async () => {
    await seedAssets(env.ASSETS_BUCKET);
    const b = await assetBackup();
    const source = await bucketState(env.ASSETS_BUCKET);
    // Damage: both avatars overwritten, the logo deleted, a new file added since.
    await env.ASSETS_BUCKET.put("avatars/0001.png", "broken");
    await env.ASSETS_BUCKET.put("avatars/0002.png", "broken");
    await env.ASSETS_BUCKET.delete("branding/logo ü 🔐.svg");
    await env.ASSETS_BUCKET.put("uploads/new.txt", "added after the backup");

    const byPrefix = await assetRestore({ backup_id: b.backup_id, ...PROD, assets: { prefix: "avatars/" } });
    expect(byPrefix.done.status).toBe("completed");
    expect(byPrefix.done.rows).toBe(2);
    let now = await bucketState(env.ASSETS_BUCKET);
    expect(now["avatars/0001.png"]).toEqual(source["avatars/0001.png"]);
    expect(now["avatars/0002.png"]).toEqual(source["avatars/0002.png"]);
    expect(now["branding/logo ü 🔐.svg"]).toBeUndefined();

    const byKey = await assetRestore({ backup_id: b.backup_id, ...PROD, assets: { key: "branding/logo ü 🔐.svg" } });
    expect(byKey.done.status).toBe("completed");
    expect(byKey.done.rows).toBe(1);
    now = await bucketState(env.ASSETS_BUCKET);
    expect(now["branding/logo ü 🔐.svg"]).toEqual(source["branding/logo ü 🔐.svg"]);
    expect(now["uploads/new.txt"]).toBeDefined(); // a restore restores; it does not prune
  });

  it("refuses what the backup does not hold, naming the field", async () => {
    await seedAssets(env.ASSETS_BUCKET);
    const b = await assetBackup();
    const missingKey = await assetRestore({ backup_id: b.backup_id, target_environment: "test", assets: { key: "avatars/9999.png" } });
    expect(missingKey.started.status).toBe(400);
    expect(missingKey.started.json.error.field).toBe("assets.key");
    expect(missingKey.started.json.error.message).toContain("avatars/9999.png");
    const missingPrefix = await assetRestore({ backup_id: b.backup_id, target_environment: "test", assets: { prefix: "videos/" } });
    expect(missingPrefix.started.json.error.field).toBe("assets.prefix");
    const both = await assetRestore({ backup_id: b.backup_id, target_environment: "test", assets: { prefix: "a", key: "b" } });
    expect(both.started.json.error.field).toBe("assets.key");
    const wrongComponent = await api("POST", "/admin/backup/restore", {
      body: { backup_id: b.backup_id, target_environment: "test", components: ["database"] },
    });
    expect(wrongComponent.status).toBe(400);
    expect(wrongComponent.json.error.field).toBe("components");
    expect(wrongComponent.json.error.message).toMatch(/holds assets, not database/);
  });

  it("a corrupted part fails the restore with the object named, and no half-written object appears", async () => {
    await seedAssets(env.ASSETS_BUCKET);
    const b = await assetBackup();
    // Corrupt one 8 MiB part of the 20 MiB object (the largest objects in the repository are its full parts).
    const listed = (await env.BACKUP_BUCKET.list({ prefix: "data/" })).objects.sort((x, y) => y.size - x.size);
    const victim = listed[0]!.key; // an 8 MiB part of the big object
    const obj = await env.BACKUP_BUCKET.get(victim);
    const bytes = new Uint8Array(await obj!.arrayBuffer());
    bytes[1000]! ^= 0xff;
    await env.BACKUP_BUCKET.put(victim, bytes, { customMetadata: obj!.customMetadata });

    const r = await assetRestore({ backup_id: b.backup_id, target_environment: "test", assets: { prefix: "exports/" } });
    expect(r.done.status).toBe("failed");
    expect(r.done.error.code).toBe("integrity_error");
    expect(r.done.error.message).toContain(victim);
    expect(await env.RESTORE_TARGET_BUCKET.head("exports/audit-2026-11.jsonl")).toBeNull();
  });
});
