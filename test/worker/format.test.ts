import { describe, expect, it } from "vitest";
import { RowChunker, chunkRows } from "../../src/db/chunker";
import { tupleToParams } from "../../src/db/literals";
import { utf8 } from "../../src/repo/bytes";
import { importMasterKey, newDataKeyMaterial, importDataKey, chunkId, wrapDataKey, unwrapDataKey } from "../../src/repo/key-material";
import { Layout } from "../../src/repo/layout";
import { Repository } from "../../src/repo/repository";
import { ObjectKind, open, seal } from "../../src/repo/sealed-object";
import { OTHER_MASTER_KEY } from "../tokens";
import { env } from "./helpers";

async function dataKey() {
  const m = await newDataKeyMaterial();
  return importDataKey(m.id, m.raw);
}

describe("sealed objects", () => {
  it("round-trip, with a fresh IV each time", async () => {
    const key = await dataKey();
    const plain = utf8.encode("rows ".repeat(1000));
    const a = await seal(key, ObjectKind.chunk, "name-1", plain);
    const b = await seal(key, ObjectKind.chunk, "name-1", plain);
    expect(a.subarray(22, 34)).not.toEqual(b.subarray(22, 34));
    expect(await open(key, ObjectKind.chunk, "name-1", "k", a)).toEqual(plain);
    expect(a.length).toBeLessThan(plain.length / 4); // compressed before encryption
  });

  it("store incompressible content as it is, and still authenticate it", async () => {
    const key = await dataKey();
    const random = crypto.getRandomValues(new Uint8Array(60_000));
    const sealed = await seal(key, ObjectKind.chunk, "n", random);
    expect(sealed[5]).toBe(0);
    expect(sealed.length).toBe(random.length + 34 + 16);
    expect(await open(key, ObjectKind.chunk, "n", "k", sealed)).toEqual(random);
  });

  it("authenticate the header and the object name: a moved, re-kinded or edited object does not open", async () => {
    const key = await dataKey();
    const sealed = await seal(key, ObjectKind.chunk, "name-1", utf8.encode("secret rows"));
    await expect(open(key, ObjectKind.chunk, "name-2", "data/na/name-2", sealed)).rejects.toThrow(
      /data\/na\/name-2: authentication failed/,
    );
    await expect(open(key, ObjectKind.manifest, "name-1", "k", sealed)).rejects.toThrow(/kind 1 where 2/);
    const edited = sealed.slice();
    edited[5]! ^= 1; // claim the other compression
    await expect(open(key, ObjectKind.chunk, "name-1", "k", edited)).rejects.toThrow(/authentication failed/);
    await expect(open(await dataKey(), ObjectKind.chunk, "name-1", "k", sealed)).rejects.toMatchObject({ code: "key_mismatch" });
    await expect(open(key, ObjectKind.chunk, "name-1", "k", sealed.subarray(0, 20))).rejects.toThrow(/truncated/);
  });

  it("chunk ids are keyed: the same content has different ids under different data keys", async () => {
    const plain = utf8.encode("the same rows");
    expect(await chunkId(await dataKey(), plain)).not.toBe(await chunkId(await dataKey(), plain));
    const k = await dataKey();
    expect(await chunkId(k, plain)).toBe(await chunkId(k, plain));
  });

  it("a data key wrapped under one master key does not unwrap under another", async () => {
    const m1 = await importMasterKey(env.BACKUP_ENCRYPTION_KEY);
    const m2 = await importMasterKey(OTHER_MASTER_KEY);
    expect(m1.kekId).not.toBe(m2.kekId);
    const dk = await newDataKeyMaterial();
    const wrapped = await wrapDataKey(m1, dk.id, dk.raw);
    await expect(unwrapDataKey({ ...m2, kekId: m1.kekId }, dk.id, wrapped)).rejects.toMatchObject({ code: "key_mismatch" });
    expect((await unwrapDataKey(m1, dk.id, wrapped)).id).toBe(dk.id);
  });
});

describe("repository objects are write-once", () => {
  it("a chunk or manifest already stored is never overwritten", async () => {
    const repo = await Repository.open(env.BACKUP_BUCKET, env.BACKUP_ENCRYPTION_KEY);
    const plain = utf8.encode("row\n");
    const id = await repo.chunkId(plain);
    expect((await repo.putChunk(id, plain)).written).toBe(true);
    const etag = (await env.BACKUP_BUCKET.head(Layout.chunk(id)))!.etag;
    expect((await repo.putChunk(id, plain)).written).toBe(false);
    expect((await env.BACKUP_BUCKET.head(Layout.chunk(id)))!.etag).toBe(etag);

    expect((await repo.putManifest("bk_1", { first: true })).written).toBe(true);
    expect((await repo.putManifest("bk_1", { first: false })).written).toBe(false);
    expect(await repo.getManifestJson("bk_1")).toEqual({ first: true });
  });

  it("the repository config is created once and reopened the same", async () => {
    const a = await Repository.open(env.BACKUP_BUCKET, env.BACKUP_ENCRYPTION_KEY);
    const b = await Repository.open(env.BACKUP_BUCKET, env.BACKUP_ENCRYPTION_KEY);
    expect(b.config).toEqual(a.config);
    const stored = await (await env.BACKUP_BUCKET.get(Layout.config))!.json<Record<string, unknown>>();
    expect(stored).toMatchObject({ format: "vaultline-repository", version: 1, cipher: "AES-256-GCM", compression: "brotli" });
    expect(JSON.stringify(stored)).not.toContain(env.BACKUP_ENCRYPTION_KEY);
  });
});

describe("row chunking", () => {
  const rows = (n: number, skip = -1) =>
    Array.from({ length: n }, (_, i) => i)
      .filter((i) => i !== skip)
      .map((i) => ({ tuple: `${i},'user${i}@example.com','${"x".repeat(200)}'`, key: String(i) }));

  function chunk(list: { tuple: string; key: string }[]) {
    const c = new RowChunker({ min: 16_000, avg_extra: 16_000, max: 64_000 });
    const out: string[] = [];
    for (const r of list) {
      const done = c.add(r.tuple, r.key);
      if (done) out.push(new TextDecoder().decode(done.plaintext));
    }
    const last = c.flush();
    if (last) out.push(new TextDecoder().decode(last.plaintext));
    return out;
  }

  it("is deterministic, and deleting one row changes at most the chunk that held it and the next", () => {
    const a = chunk(rows(5000));
    expect(chunk(rows(5000))).toEqual(a);
    expect(a.length).toBeGreaterThan(20);
    const b = chunk(rows(5000, 2500));
    const changed = b.filter((c) => !a.includes(c));
    expect(changed.length).toBeGreaterThanOrEqual(1);
    expect(changed.length).toBeLessThanOrEqual(2);
    // Every chunk after the change is shared again: the cut points resynchronise.
    expect(b.slice(-10)).toEqual(a.slice(-10));
  });

  it("chunk plaintext parses back to the same tuples, including newlines and quotes inside values", () => {
    const c = new RowChunker({ min: 1 << 20, avg_extra: 1 << 20, max: 8 << 20 });
    const tuples = ["1,'a\nb'", "2,'it''s \"fine\"'", "3,X'00ff',NULL,-1.5e+300"];
    tuples.forEach((t, i) => {
      c.add(t, String(i));
    });
    expect([...chunkRows(c.flush()!.plaintext)].map((r) => r.tuple)).toEqual(tuples);
  });
});

describe("tuple literals", () => {
  it("splits quote() output into inline literals and bound text/blob parameters", () => {
    const { sql, params } = tupleToParams("42,-7,1.5e+300,NULL,'it''s, a ''test''',X'00FF10','',X''");
    expect(sql).toBe("42,-7,1.5e+300,NULL,?,?,?,?");
    expect(params[0]).toBe("it's, a 'test'");
    expect(params[1]).toEqual(new Uint8Array([0, 255, 16]));
    expect(params[2]).toBe("");
    expect(params[3]).toEqual(new Uint8Array([]));
  });
  it("refuses malformed tuples", () => {
    expect(() => tupleToParams("'open")).toThrow(/unterminated/);
    expect(() => tupleToParams("1;DROP TABLE users")).toThrow(/unexpected literal/);
  });
});
