import { describe, expect, it } from "vitest";
import { runSchedule } from "../../src/schedule/run-schedule";
import { api, env, runBackup, seedWithEdgeCases } from "./helpers";

/** A few API calls by different people, so the chain has entries to tamper with. */
async function activity(n = 6) {
  for (let i = 0; i < n; i++) await api("GET", `/admin/backup/list?limit=${i + 1}`, { as: i % 2 ? "viewer" : "operator" });
}

async function verify() {
  const r = await api("GET", "/admin/audit/verify", { as: "auditor" });
  expect(r.status).toBe(200);
  return r.json;
}

const ids = async () =>
  (await env.CATALOG_DB.prepare(`SELECT id FROM audit_log ORDER BY id`).all<{ id: number }>()).results.map((r) => r.id);

describe("hash-chained audit trail", () => {
  it("records who, what, target, from where and outcome for API calls and workflow starts and ends; filters by actor, action, target and time", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 10);
    const b = await runBackup();
    await api("GET", "/admin/backup/list", { as: "viewer" });
    const before = new Date().toISOString();
    await api("POST", "/admin/catalog/rebuild", { as: "viewer" });

    const all = (await api("GET", "/admin/audit?limit=500", { as: "auditor" })).json.entries;
    const actions = all.map((e: any) => `${e.actor} ${e.action} ${e.outcome}`).reverse();
    expect(actions).toEqual(
      expect.arrayContaining([
        // A change is audited ahead of running it (102, authorised and about to run), then its result.
        "alice@admin POST /admin/backup/create 102",
        "alice@admin POST /admin/backup/create 202",
        "alice@admin backup.started 1",
        "system:workflow backup.completed 1",
        "vera@view GET /admin/backup/list 200",
        "vera@view POST /admin/catalog/rebuild 403",
      ]),
    );
    const started = all.find((e: any) => e.action === "backup.started");
    expect(started).toMatchObject({
      target: b.backup_id,
      source: "internal",
      detail: JSON.stringify({ type: "full_database", trigger: "api" }),
    });
    expect(all.find((e: any) => e.action === "POST /admin/backup/create").source).not.toBeNull();

    const byActor = (await api("GET", "/admin/audit?actor=vera%40view", { as: "auditor" })).json.entries;
    expect(byActor.map((e: any) => e.action)).toEqual(["POST /admin/catalog/rebuild", "GET /admin/backup/list"]);
    const byAction = (await api("GET", "/admin/audit?action=backup", { as: "auditor" })).json.entries;
    expect(byAction.map((e: any) => e.action).sort()).toEqual(["backup.completed", "backup.started"]);
    const byTarget = (await api("GET", `/admin/audit?target=${b.backup_id}`, { as: "auditor" })).json.entries;
    expect(byTarget.map((e: any) => e.action)).toEqual(
      expect.arrayContaining(["backup.completed", "backup.started", "POST /admin/backup/create"]),
    );
    expect(byTarget.every((e: any) => e.target === b.backup_id)).toBe(true);
    const since = (await api("GET", `/admin/audit?from=${encodeURIComponent(before)}&actor=vera%40view`, { as: "auditor" })).json.entries;
    expect(since.map((e: any) => e.action)).toEqual(["POST /admin/catalog/rebuild"]);
    const page = (await api("GET", "/admin/audit?limit=2", { as: "auditor" })).json;
    const next = (await api("GET", `/admin/audit?limit=2&before=${page.next_before}`, { as: "auditor" })).json;
    expect(next.entries[0].id).toBe(page.entries[1].id - 1);
    // Only auditors read it; an admin is not one.
    expect((await api("GET", "/admin/audit", { as: "admin" })).status).toBe(403);
  });

  it("appends from many concurrent calls without a fork or a lost entry, and verify finds the chain intact", async () => {
    await Promise.all(Array.from({ length: 40 }, (_, i) => api("GET", `/admin/backup/list?limit=${(i % 9) + 1}`, { as: "viewer" })));
    const rows = await ids();
    expect(rows).toEqual(Array.from({ length: rows.length }, (_, i) => i + 1));
    expect(rows.length).toBeGreaterThanOrEqual(40);
    const report = await verify();
    expect(report).toMatchObject({ ok: true, problems: [], first_problem: null, unchained_before_chain: 0 });
    expect(report.entries).toBeGreaterThanOrEqual(40);
  });

  it("names a modified entry", async () => {
    await activity();
    await env.CATALOG_DB.prepare(`UPDATE audit_log SET outcome = 500 WHERE id = 3`).run();
    const r = await verify();
    expect(r.ok).toBe(false);
    expect(r.first_problem).toMatchObject({
      id: 3,
      kind: "altered",
      message: "entry #3 was altered: its content no longer matches its hash",
    });
  });

  it("names a deleted entry", async () => {
    await activity();
    await env.CATALOG_DB.prepare(`DELETE FROM audit_log WHERE id = 4`).run();
    const r = await verify();
    expect(r.first_problem).toMatchObject({
      id: 4,
      kind: "removed",
      message: "entry #4 was removed: #5 links to an entry that is no longer there",
    });
  });

  it("names reordered entries", async () => {
    await activity();
    // Swap entries 2 and 3, each keeping its content and hash.
    await env.CATALOG_DB.batch([
      env.CATALOG_DB.prepare(`UPDATE audit_log SET id = 1000 WHERE id = 2`),
      env.CATALOG_DB.prepare(`UPDATE audit_log SET id = 2 WHERE id = 3`),
      env.CATALOG_DB.prepare(`UPDATE audit_log SET id = 3 WHERE id = 1000`),
    ]);
    const r = await verify();
    expect(r.first_problem).toMatchObject({
      id: 2,
      kind: "reordered",
      message: "entry #2 follows #3 in the chain but is stored after #1: entries were reordered",
    });
  });

  it("seals the chain to the bucket write-once on schedule, which catches a rewritten chain and a cut tail", async () => {
    await activity(8);
    const done = await runSchedule(env, "*/5 * * * *");
    expect(done.some((d) => /^audit-sealed:\d+$/.test(d))).toBe(true);
    const seg = await env.CATALOG_DB.prepare(`SELECT first_id, last_id, object_key FROM audit_segments`).first<any>();
    expect(seg.first_id).toBe(1);
    const object = await env.BACKUP_BUCKET.head(seg.object_key);
    expect(object?.customMetadata?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await verify()).toMatchObject({ ok: true, sealed_segments: 1 });

    // An attacker with write access to the catalog rewrites entry 2 and recomputes every hash after it: the chain
    // itself is consistent again, but no longer matches its sealed copy.
    const { entryHash } = await import("../../src/audit/hash");
    const rows = (await env.CATALOG_DB.prepare(`SELECT * FROM audit_log ORDER BY id`).all<any>()).results;
    rows[1].actor = "someone-else";
    const stmts = [];
    for (let i = 1; i < rows.length; i++) {
      rows[i].prev_hash = rows[i - 1].hash;
      rows[i].hash = await entryHash(rows[i]);
      stmts.push(
        env.CATALOG_DB.prepare(`UPDATE audit_log SET actor = ?, prev_hash = ?, hash = ? WHERE id = ?`).bind(
          rows[i].actor,
          rows[i].prev_hash,
          `tmp-${rows[i].id}`,
          rows[i].id,
        ),
      );
    }
    for (let i = 1; i < rows.length; i++)
      stmts.push(env.CATALOG_DB.prepare(`UPDATE audit_log SET hash = ? WHERE id = ?`).bind(rows[i].hash, rows[i].id));
    await env.CATALOG_DB.batch(stmts);
    const rewritten = await verify();
    expect(rewritten.first_problem).toMatchObject({
      id: 2,
      kind: "altered",
      message: `entry #2 differs from its sealed copy ${seg.object_key}`,
    });

    // Sealing again refuses to paper over it: the range's sealed copy stands.
    await env.CATALOG_DB.prepare(`DELETE FROM audit_segments`).run();
    expect((await api("POST", "/admin/audit/seal", { as: "auditor" })).json.error.code).toBe("integrity_error");
  });

  it("a cut tail is found from the sealed copy", async () => {
    await activity(8);
    await runSchedule(env, "*/5 * * * *");
    // The newest sealed entry (the same cron appends alert entries after sealing: those are not sealed yet).
    const last = (await env.CATALOG_DB.prepare(`SELECT max(last_id) AS id FROM audit_segments`).first<number>("id"))!;
    await env.CATALOG_DB.prepare(`DELETE FROM audit_log WHERE id >= ?`)
      .bind(last - 1)
      .run();
    const r = await verify();
    expect(r.first_problem).toMatchObject({
      id: last - 1,
      kind: "removed",
      message: expect.stringMatching(new RegExp(`entry #${last - 1} was removed: its sealed copy audit/`)),
    });
  });
});
