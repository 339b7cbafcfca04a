import { describe, expect, it } from "vitest";
import { Layout } from "../../src/repo/layout";
import { api, env, runBackup, runRestore, seedWithEdgeCases, snapshot, waitFor } from "./helpers";

async function keys(bucket: R2Bucket, prefix = "") {
  const out = new Map<string, string | undefined>();
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, cursor, include: ["customMetadata"] });
    for (const o of page.objects) out.set(o.key, o.customMetadata?.sha256);
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return out;
}

async function scrub(objects = 100_000) {
  const s = await api("POST", "/admin/scrub", { as: "operator", body: { objects } });
  expect(s.status, JSON.stringify(s.json)).toBe(202);
  return waitFor(
    async () => (await api("GET", `/admin/scrub/runs/${s.json.run_id}`)).json,
    (r) => r.status !== "running",
    120_000,
  );
}

async function digestOf(bucket: R2Bucket, key: string) {
  const o = await bucket.get(key);
  return o
    ? [...new Uint8Array(await crypto.subtle.digest("SHA-256", await o.arrayBuffer()))].map((b) => b.toString(16).padStart(2, "0")).join("")
    : null;
}

describe("cross-region replication (CROSS_REGION_REPLICATION on)", () => {
  it("a backup's objects are in both buckets with equal digests, and the catalog says so", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 60);
    const b = await runBackup();
    const detail = await env.CATALOG_DB.prepare(`SELECT replica_status, replicated_at FROM backups WHERE id = ?`)
      .bind(b.backup_id)
      .first<any>();
    expect(detail.replica_status).toBe("replicated");
    const primary = await keys(env.BACKUP_BUCKET);
    const replica = await keys(env.BACKUP_REPLICA_BUCKET);
    for (const [k, sha] of primary) {
      expect(replica.has(k), k).toBe(true);
      expect(await digestOf(env.BACKUP_REPLICA_BUCKET, k)).toBe(await digestOf(env.BACKUP_BUCKET, k));
      if (sha) expect(replica.get(k)).toBe(sha);
    }
    expect(replica.size).toBe(primary.size);
  });

  it("catch-up copies what the replica missed (it was unreachable) and reports the lag", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 20);
    await runBackup();
    // As if the replica had been unreachable: it lost everything.
    const lost = [...(await keys(env.BACKUP_REPLICA_BUCKET)).keys()];
    await env.BACKUP_REPLICA_BUCKET.delete(lost);
    const started = await api("POST", "/admin/replication/catch-up", { as: "operator" });
    expect(started.status).toBe(202);
    const run = await waitFor(
      async () => (await api("GET", `/admin/replication/runs/${started.json.run_id}`)).json,
      (r) => r.status !== "running",
    );
    expect(run).toMatchObject({ status: "completed", copied: lost.length });
    expect(run.lag_seconds).toBeGreaterThanOrEqual(0);
    expect((await keys(env.BACKUP_REPLICA_BUCKET)).size).toBe((await keys(env.BACKUP_BUCKET)).size);
    expect((await api("GET", "/admin/replication")).json).toMatchObject({ enabled: true, last_catch_up: { id: started.json.run_id } });
  });

  it("scrub repairs a deleted and a corrupted object in the primary from the replica, audited", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 40);
    const b = await runBackup();
    const chunks = [...(await keys(env.BACKUP_BUCKET, Layout.chunkPrefix)).keys()];
    const [gone, bad] = [chunks[0]!, chunks[1]!];
    const goodBad = await digestOf(env.BACKUP_BUCKET, bad);
    await env.BACKUP_BUCKET.delete(gone);
    const o = await env.BACKUP_BUCKET.get(bad);
    const bytes = new Uint8Array(await o!.arrayBuffer());
    bytes[bytes.length - 1]! ^= 0xff;
    await env.BACKUP_BUCKET.delete(bad);
    await env.BACKUP_BUCKET.put(bad, bytes, { customMetadata: o!.customMetadata });

    const run = await scrub();
    expect(run.report.repaired).toEqual(
      expect.arrayContaining([
        { key: gone, copy: "primary", reason: "missing" },
        { key: bad, copy: "primary", reason: `${bad}: stored bytes do not match the digest recorded at upload` },
      ]),
    );
    expect(run.report.unrepairable).toEqual([]);
    expect(await digestOf(env.BACKUP_BUCKET, bad)).toBe(goodBad);
    expect(await env.BACKUP_BUCKET.head(gone)).not.toBeNull();
    const audited = (
      await env.CATALOG_DB.prepare(`SELECT target FROM audit_log WHERE action = 'scrub.repaired' ORDER BY target`).all<{ target: string }>()
    ).results.map((r) => r.target);
    expect(audited).toEqual([gone, bad].sort());
    // The repaired backup verifies in full, in both copies.
    const v = await api("POST", `/admin/backup/${b.backup_id}/verify`, { as: "operator" });
    const check = await waitFor(
      async () => (await api("GET", `/admin/repository/checks/${v.json.check_id}`)).json,
      (r) => r.status !== "running",
    );
    expect(check).toMatchObject({ status: "passed", report: { ok: true, replica_checked: true } });
  });

  it("the scrub rotates: a slice a run, the cursor persists, and a cycle ends once every object was read", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 30);
    await runBackup();
    const total = (await keys(env.BACKUP_BUCKET)).size;
    const first = await scrub(2);
    expect(first.report.cycle_completed).toBe(false);
    const state = await env.CATALOG_DB.prepare(`SELECT cursor, cycle_checked FROM scrub_state`).first<any>();
    expect(state.cursor).not.toBeNull();
    const rest = await scrub(100_000);
    expect(rest.report.cycle_completed).toBe(true);
    expect(first.report.checked + rest.report.checked).toBe(total);
  });

  it("with the primary's chunks gone and its manifest corrupted, a restore completes from the replica, identical, and says so in its log", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 80);
    const b = await runBackup();
    const source = await snapshot(env.OIDC_DB);
    await env.BACKUP_BUCKET.delete([...(await keys(env.BACKUP_BUCKET, Layout.chunkPrefix)).keys()]);
    const m = await env.BACKUP_BUCKET.get(Layout.manifest(b.backup_id));
    const bytes = new Uint8Array(await m!.arrayBuffer());
    bytes[40]! ^= 0x01;
    await env.BACKUP_BUCKET.delete(Layout.manifest(b.backup_id));
    await env.BACKUP_BUCKET.put(Layout.manifest(b.backup_id), bytes, { customMetadata: m!.customMetadata });

    const r = await runRestore(b.backup_id, "test");
    expect(r.status, JSON.stringify(r.error)).toBe("completed");
    expect(await snapshot(env.RESTORE_TARGET_DB)).toEqual(source);
    expect(r.log.map((l: any) => l.message).join("\n")).toMatch(/read \d+ object\(s\) from the replica .*primary/);
  });
});
