// Attack on `vaultline recover`: a change-log row planted in the provider's database reached a segment (an older
// shipper, or a repository someone else wrote into). The recovery machine must never run it as SQL: before, rows
// went to `db.exec`, where `ATTACH DATABASE` writes a file beside the recovered one. Now each value is bound
// (cli/recover/database.ts), and a row that is not a plain list of values fails the recovery naming its segment.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ChangeEntry } from "../../schemas/capture.ts";
import { FORMAT_VERSION } from "../../schemas/manifest.ts";
import { recoverDatabase } from "../../cli/recover/database.ts";
import { tableChecksum } from "../../src/backup/checksum.ts";
import { encodeSegment } from "../../src/capture/segment.ts";
import { sha256Hex } from "../../src/repo/bytes.ts";
import { Repository } from "../../src/repo/repository.ts";

/** Enough of R2's bucket for a repository in memory: conditional puts, custom metadata, paged listing. */
class MemoryBucket {
  private objects = new Map<string, { bytes: Uint8Array; customMetadata?: Record<string, string> }>();
  async put(
    key: string,
    value: string | Uint8Array,
    o: { onlyIf?: { etagDoesNotMatch?: string }; customMetadata?: Record<string, string> } = {},
  ) {
    if (o.onlyIf?.etagDoesNotMatch === "*" && this.objects.has(key)) return null;
    this.objects.set(key, { bytes: typeof value === "string" ? new TextEncoder().encode(value) : value, customMetadata: o.customMetadata });
    return { key };
  }
  async get(key: string) {
    const o = this.objects.get(key);
    if (!o) return null;
    const text = () => new TextDecoder().decode(o.bytes);
    return {
      key,
      size: o.bytes.length,
      customMetadata: o.customMetadata,
      arrayBuffer: async () => o.bytes.slice().buffer,
      text: async () => text(),
      json: async () => JSON.parse(text()),
    };
  }
  async head(key: string) {
    return this.objects.has(key) ? { key, size: this.objects.get(key)!.bytes.length } : null;
  }
  async list(o: { prefix?: string; limit?: number } = {}) {
    const keys = [...this.objects.keys()].filter((k) => k.startsWith(o.prefix ?? "")).sort();
    return { objects: keys.slice(0, o.limit ?? 1000).map((key) => ({ key, size: 0, uploaded: new Date() })), truncated: false };
  }
}

const KEY = Buffer.from(new Uint8Array(32).fill(7)).toString("base64");
const dir = mkdtempSync(join(process.cwd(), ".e2e-recover-planted-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function repositoryWith(row: string): Promise<Repository> {
  const bucket = new MemoryBucket() as unknown as R2Bucket;
  const repo = await Repository.open(bucket, KEY);
  const entries: ChangeEntry[] = [[1, Date.now(), "users", "I", "1", row]];
  const plaintext = encodeSegment(entries);
  const key = "segments/OIDC_DB/0000000000000001-0000000000000001";
  await repo.putSegment(key, plaintext);
  const now = new Date().toISOString();
  await repo.putManifest("bk_20261201T000000Z_00000001", {
    format: "vaultline-manifest",
    version: FORMAT_VERSION,
    backup_id: "bk_20261201T000000Z_00000001",
    requested_by: "test",
    started_at: now,
    completed_at: now,
    data_key_id: repo.config.data_key_id,
    type: "full",
    component: "database",
    source: "OIDC_DB",
    schema: {
      objects: [{ type: "table", name: "users", tbl_name: "users", sql: "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)" }],
      tables: [
        {
          name: "users",
          mode: "rowid",
          rowidColumn: false,
          columns: [
            { name: "id", type: "INTEGER", pk: 1 },
            { name: "name", type: "TEXT", pk: 0 },
          ],
          keyColumns: ["id"],
        },
      ],
      sequences: [],
      excluded: [],
    },
    tables: [{ name: "users", rows: 0, raw_bytes: 0, checksum: await tableChecksum([]), chunks: [] }],
    totals: { tables: 1, rows: 0, raw_bytes: 0, chunks: 0, new_chunks: 0, new_stored_bytes: 0 },
    timings_ms: {},
    capture: {
      source: "OIDC_DB",
      seq_start: 0,
      seq_end: 1,
      as_of: Date.now(),
      segments: [
        {
          first_seq: 1,
          last_seq: 1,
          first_at: entries[0]![1],
          last_at: entries[0]![1],
          entries: 1,
          key,
          sha256: await sha256Hex(plaintext),
        },
      ],
    },
  });
  return Repository.open(bucket, KEY, undefined, { readOnly: true });
}

describe("attack: SQL planted in a segment, recovered offline", () => {
  it("an ATTACH, a second statement or a subquery in a row fails the recovery naming the segment; nothing of it runs", async () => {
    const planted = [
      `1, 'x'); ATTACH DATABASE '${join(dir, "planted.sqlite")}' AS planted; CREATE TABLE planted.t (x); --`,
      "1, 'x'); DROP TABLE users; --",
      "1, (SELECT sqlite_version())",
    ];
    for (const [i, row] of planted.entries()) {
      const repo = await repositoryWith(row);
      const out = join(dir, `recovered-${i}.sqlite`);
      await expect(recoverDatabase(repo, "bk_20261201T000000Z_00000001", out, () => {})).rejects.toThrow(
        /segments\/OIDC_DB\/0000000000000001-0000000000000001: a row is not a list of plain values/,
      );
      expect(existsSync(join(dir, "planted.sqlite"))).toBe(false);
    }
    // A plain row recovers.
    const repo = await repositoryWith("1,'alice'");
    const ok = await recoverDatabase(repo, "bk_20261201T000000Z_00000001", join(dir, "plain.sqlite"), () => {});
    expect(ok).toMatchObject({ replayed: 1, integrity_check: "ok" });
  });
});
