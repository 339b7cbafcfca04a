import { introspectWorkflow } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { STANDIN, standinBookmark } from "../shared/cloudflare-api-standin";
import { approveChange, restoreToTest, waitRestore } from "./helpers";
import { api, checkpoint, env, runBackup, seedWithEdgeCases, userSnapshot, waitFor } from "./helpers";

const install = () => api("POST", "/admin/capture/install");
const ship = async () => {
  const r = await api("POST", "/admin/capture/ship");
  expect(r.status).toBe(200);
  return r.json;
};

async function changeLog(db: D1Database) {
  const { results } = await db.prepare(`SELECT seq, tbl, op, key, row FROM _vaultline_changes ORDER BY seq`).all<any>();
  return results;
}

async function runTyped(type: string) {
  const created = await api("POST", "/admin/backup/create", { body: { type } });
  expect(created.status).toBe(202);
  return waitFor(
    async () => (await api("GET", `/admin/backup/${created.json.backup_id}`)).json,
    (b) => b.status === "completed" || b.status === "failed",
  );
}

/** One round of writes across tables: inserts, updates (one through a touch trigger), deletes with cascades. */
async function workload(db: D1Database, round: number) {
  const base = round * 1000;
  await db.batch([
    db
      .prepare(`INSERT INTO users (email, name, created_at, updated_at, mfa_secret) VALUES (?, ?, ?, ?, ?)`)
      .bind(`new${round}@example.com`, `New ${round}`, base, base, new Uint8Array([round, 0, 255])),
    db.prepare(`UPDATE users SET name = ?, last_login_at = ? WHERE id % 7 = ?`).bind(`renamed ${round}`, base + 1, round % 7),
    db.prepare(`UPDATE users SET email = ? WHERE id = ?`).bind(`moved${round}@example.com`, 10 + round),
    db.prepare(`DELETE FROM users WHERE id = ?`).bind(20 + round),
    db.prepare(`UPDATE refresh_tokens SET revoked_at = ? WHERE id % 11 = ?`).bind(base + 2, round % 11),
    db.prepare(`DELETE FROM consents WHERE user_id % 13 = ?`).bind(round % 13),
    db
      .prepare(
        `INSERT INTO auth_events (user_id, type, success, ip, at) VALUES ((SELECT max(id) FROM users), 'login', 1, '198.51.100.7', ?)`,
      )
      .bind(base + 3),
    db.prepare(`INSERT INTO edge_values (k, n, r, b) VALUES (?, ?, 0.5, X'00ff')`).bind(`round-${round}`, round),
    db.prepare(`UPDATE edge_values SET t = ? WHERE k = 'precision'`).bind(`round ${round} 🔐`),
    db.prepare(`DELETE FROM edge_values WHERE k = ?`).bind(`round-${round - 1}`),
  ]);
}

describe("change capture", () => {
  it("install is idempotent and logs every insert, update and delete with the row as stored, rowid tables included", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 30);
    const first = await install();
    expect(first.status).toBe(200);
    expect(first.json.tables.every((t: any) => t.action === "installed")).toBe(true);
    expect(first.json.tables.map((t: any) => t.name)).toContain("edge_values");
    const again = await install();
    expect(again.json.tables.every((t: any) => t.action === "unchanged")).toBe(true);

    await env.OIDC_DB.prepare(`UPDATE users SET email = 'touched@example.com' WHERE id = 3`).run();
    await env.OIDC_DB.prepare(`DELETE FROM edge_values WHERE k = 'min-int'`).run();
    await env.OIDC_DB.prepare(`INSERT INTO edge_values (k, n) VALUES ('fresh', 7)`).run();
    await env.OIDC_DB.prepare(
      `UPDATE refresh_tokens SET id = 900000 WHERE id = (SELECT min(id) FROM refresh_tokens WHERE id NOT IN (SELECT parent_id FROM refresh_tokens WHERE parent_id IS NOT NULL))`,
    ).run();
    const log = await changeLog(env.OIDC_DB);
    // The touch trigger rewrote the row after the update; the last entry for the key carries the final row.
    const user3 = log.filter((e: any) => e.tbl === "users" && e.key === "3");
    const live3 = await env.OIDC_DB.prepare(`SELECT quote(updated_at) AS u FROM users WHERE id = 3`).first<string>("u");
    expect(user3.at(-1).row).toContain("'touched@example.com'");
    expect(user3.at(-1).row).toContain(`,${live3},`);
    // A table without a primary key is keyed by its rowid.
    const edge = log.filter((e: any) => e.tbl === "edge_values");
    expect(edge.map((e: any) => e.op)).toEqual(["D", "I"]);
    expect(edge[1].row.startsWith(`${edge[1].key},'fresh',7,`)).toBe(true);
    // A key change logs the old key's deletion, then the new key's row.
    const moved = log.filter((e: any) => e.tbl === "refresh_tokens");
    expect(moved.map((e: any) => e.op)).toEqual(["D", "U"]);
    expect(moved[1].key).toBe("900000");

    // A table added later is picked up by the next ship run, and coverage from older backups ends there.
    await ship();
    await env.OIDC_DB.prepare(`CREATE TABLE later_added (id INTEGER PRIMARY KEY, v TEXT)`).run();
    expect((await api("GET", "/admin/capture/status")).json.uncaptured_tables).toEqual(["later_added"]);
    const shipped = await ship();
    expect(shipped.schema_changed).toEqual(["later_added"]);
    await env.OIDC_DB.prepare(`INSERT INTO later_added (v) VALUES ('x')`).run();
    expect((await changeLog(env.OIDC_DB)).at(-1)).toMatchObject({ tbl: "later_added", op: "I", key: "1" });
    const status = (await api("GET", "/admin/capture/status")).json;
    expect(status.uncaptured_tables).toEqual([]);
    expect(status.breaks.map((b: any) => b.kind)).toEqual(["schema"]);

    // Removing needs a second person: asked, nothing changes; approved, it ships what is left and removes.
    const removed = await api("POST", "/admin/capture/remove", { as: "alice" });
    expect(removed.status).toBe(202);
    expect((await changeLog(env.OIDC_DB)).length).toBeGreaterThan(0);
    expect((await approveChange(removed.json.change_id)).status).toBe("applied");
    expect(
      await env.OIDC_DB.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE name LIKE '\\_vaultline\\_%' ESCAPE '\\'`).first("n"),
    ).toBe(0);
  });

  it("ships verified segments named by sequence range and trims only what it shipped; a hole in the sequence is reported", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 30);
    await install();
    await workload(env.OIDC_DB, 1);
    const logged = (await changeLog(env.OIDC_DB)).length;
    const r = await ship();
    expect(r.entries).toBe(logged);
    expect(r.segments).toHaveLength(1);
    expect(r.segments[0].key).toBe(`segments/OIDC_DB/${"1".padStart(16, "0")}-${String(logged).padStart(16, "0")}`);
    expect(await env.BACKUP_BUCKET.head(r.segments[0].key)).not.toBeNull();
    expect(await changeLog(env.OIDC_DB)).toHaveLength(0);

    await workload(env.OIDC_DB, 2);
    const log = await changeLog(env.OIDC_DB);
    // Someone deletes unshipped entries: the shipper must say so, not skip them quietly.
    await env.OIDC_DB.prepare(`DELETE FROM _vaultline_changes WHERE seq IN (?, ?)`).bind(log[2].seq, log[3].seq).run();
    const after = await ship();
    expect(after.gaps).toEqual([{ after_seq: log[1].seq, next_seq: log[4].seq }]);
    const status = (await api("GET", "/admin/capture/status")).json;
    expect(status.breaks).toMatchObject([{ kind: "gap", after_seq: log[1].seq, next_seq: log[4].seq }]);
    expect(status.pending_entries).toBe(0);
  });

  it("refuses an instant past a gap from the base before it, and names the nearest restorable time", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 30);
    await install();
    const base = await runBackup();
    await workload(env.OIDC_DB, 1);
    await new Promise((r) => setTimeout(r, 1100));
    await ship();
    await workload(env.OIDC_DB, 2);
    const log = await changeLog(env.OIDC_DB);
    await env.OIDC_DB.prepare(`DELETE FROM _vaultline_changes WHERE seq = ?`).bind(log[5].seq).run();
    await workload(env.OIDC_DB, 3);
    const after = await checkpoint(env.OIDC_DB);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await ship()).gaps).toHaveLength(1);

    const points = (await api("GET", "/admin/backup/restore-points")).json;
    expect(points.ranges).toMatchObject([{ base_backup_id: base.backup_id, ends: "gap" }]);
    const refused = await api("POST", "/admin/backup/restore", {
      body: { target_environment: "test", target_timestamp: new Date(after).toISOString() },
    });
    expect(refused.status).toBe(422);
    expect(refused.json.error.message).toMatch(/past a gap break in the change log/);
    expect(refused.json.error.details.nearest_restorable.before).toBe(points.ranges[0].to);
    // Up to the gap, the chain still restores.
    const ok = await restoreToTest({ target_timestamp: points.ranges[0].to });
    expect(ok.done.status).toBe("completed");
  });

  it("restores the database exactly as it was at five instants, across a full backup taken while writes ran", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 400);
    await install();
    const base = await runBackup();
    expect(base.status).toBe("completed");
    expect(base.change_log).toMatchObject({ seq_start: 0 });

    const instants: { at: number; snap: unknown }[] = [];
    const mark = async () => instants.push({ at: await checkpoint(env.OIDC_DB), snap: await userSnapshot(env.OIDC_DB) });
    await workload(env.OIDC_DB, 1);
    await mark();
    await workload(env.OIDC_DB, 2);
    await mark();

    // A full backup in the middle. Its scan window is widened back over round 3's writes (made just before it, so
    // the scan sees them: the window's replay must be idempotent), and a writer runs while it works (changes the
    // scan may or may not see, depending on where it is).
    const beforeRound3 = (await env.OIDC_DB.prepare(`SELECT seq FROM sqlite_sequence WHERE name = '_vaultline_changes'`).first<number>(
      "seq",
    ))!;
    let round = 3;
    await workload(env.OIDC_DB, round++);
    await using backups = await introspectWorkflow(env.FULL_DATABASE_BACKUP);
    await backups.modifyAll(async (m) => m.mockStepResult({ name: "capture start" }, beforeRound3));
    const created = await api("POST", "/admin/backup/create", { body: { type: "full_database" } });
    let stop = false;
    const writer = (async () => {
      while (!stop) {
        await workload(env.OIDC_DB, round++);
        // Room for the workflow between rounds: a writer that never yields starves it in the shared local runtime.
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    let middle: any;
    try {
      middle = await waitFor(
        async () => (await api("GET", `/admin/backup/${created.json.backup_id}`)).json,
        (b) => b.status === "completed" || b.status === "failed",
      );
    } finally {
      stop = true;
      await writer;
    }
    expect(middle.status).toBe("completed");
    expect(middle.change_log.seq_start).toBe(beforeRound3);
    expect(middle.change_log.seq_end).toBeGreaterThan(beforeRound3);
    await mark();
    await workload(env.OIDC_DB, round++);
    await mark();
    await workload(env.OIDC_DB, round++);
    await env.OIDC_DB.prepare(`DELETE FROM users WHERE id = 40`).run();
    await mark();
    // Coverage trails a write by the commit margin: ship once it has passed.
    await new Promise((r) => setTimeout(r, 1100));
    await ship();

    const points = (await api("GET", "/admin/backup/restore-points?component=database")).json;
    expect(points.ranges).toHaveLength(2);
    for (const { at } of instants) expect(points.merged.some((m: any) => Date.parse(m.from) <= at && at <= Date.parse(m.to))).toBe(true);

    for (const [i, { at, snap }] of instants.entries()) {
      const { started, done } = await restoreToTest({ target_timestamp: new Date(at).toISOString() });
      expect(started.status, JSON.stringify(started.json)).toBe(202);
      expect(done.status, JSON.stringify(done.error)).toBe("completed");
      expect(started.json.base_backup_id).toBe(i < 2 ? base.backup_id : created.json.backup_id);
      expect(await userSnapshot(env.RESTORE_TARGET_DB), `instant ${i + 1}`).toEqual(snap);
    }
  });

  it("an incremental backup restores base plus segments: deleted rows stay deleted; a corrupted or missing segment fails the restore and leaves the target as it was", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 80);
    await install();
    const base = await runBackup();
    await env.OIDC_DB.prepare(`DELETE FROM users WHERE id IN (5, 6, 7)`).run();
    await workload(env.OIDC_DB, 1);
    const inc = await runTyped("incremental_database");
    expect(inc.status).toBe("completed");
    expect(inc.change_log).toMatchObject({ base_backup_id: base.backup_id, seq_start: base.change_log.seq_end });
    const now = await userSnapshot(env.OIDC_DB);

    const ok = await restoreToTest({ backup_id: inc.backup_id });
    expect(ok.done.status).toBe("completed");
    expect(await userSnapshot(env.RESTORE_TARGET_DB)).toEqual(now);
    const gone = await env.RESTORE_TARGET_DB.prepare(`SELECT count(*) AS n FROM users WHERE id IN (5, 6, 7)`).first("n");
    expect(gone).toBe(0);
    expect(await env.RESTORE_TARGET_DB.prepare(`SELECT count(*) AS n FROM refresh_tokens WHERE user_id IN (5, 6, 7)`).first("n")).toBe(0);

    // Corrupt the segment: one byte of ciphertext, with the stored digest recomputed so only decryption can tell.
    const { results } = await env.CATALOG_DB.prepare(`SELECT key FROM change_segments ORDER BY first_seq`).all<{ key: string }>();
    const key = results.at(-1)!.key as string;
    const obj = await env.BACKUP_BUCKET.get(key);
    const bytes = new Uint8Array(await obj!.arrayBuffer());
    bytes[60] = bytes[60]! ^ 0xff;
    const digest = [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
    await env.BACKUP_BUCKET.put(key, bytes, { customMetadata: { sha256: digest } });
    const before = await userSnapshot(env.RESTORE_TARGET_DB);
    const bad = await restoreToTest({ backup_id: inc.backup_id });
    expect(bad.done.status).toBe("failed");
    expect(bad.done.error.code).toBe("integrity_error");
    expect(bad.done.error.message).toContain(key);
    expect(await userSnapshot(env.RESTORE_TARGET_DB)).toEqual(before);

    await env.BACKUP_BUCKET.delete(key);
    const missing = await restoreToTest({ backup_id: inc.backup_id });
    expect(missing.done.status).toBe("failed");
    expect(missing.done.error.message).toMatch(/missing/);
    expect(await userSnapshot(env.RESTORE_TARGET_DB)).toEqual(before);
    const leftovers = await env.RESTORE_TARGET_DB.prepare(
      `SELECT count(*) AS n FROM sqlite_master WHERE name LIKE '\\_vaultline\\_%' ESCAPE '\\'`,
    ).first("n");
    expect(leftovers).toBe(0);
  });

  it("refuses instants it cannot restore, with the reason and the nearest restorable times", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 20);
    const none = await api("POST", "/admin/backup/restore", {
      body: { target_environment: "test", target_timestamp: "2026-01-01T00:00:00Z" },
    });
    expect(none.status).toBe(422);
    expect(none.json.error).toMatchObject({ code: "not_restorable", field: "target_timestamp" });
    expect(none.json.error.message).toMatch(/no full database backup with change capture/);

    await install();
    const before = await checkpoint(env.OIDC_DB);
    const base = await runBackup();
    await workload(env.OIDC_DB, 1);
    await new Promise((r) => setTimeout(r, 1100));
    await ship();

    const early = await api("POST", "/admin/backup/restore", {
      body: { target_environment: "test", target_timestamp: new Date(before).toISOString() },
    });
    expect(early.status).toBe(422);
    expect(early.json.error.message).toMatch(/before the first full backup/);
    expect(early.json.error.details.nearest_restorable.after).toBe(new Date(base.change_log.as_of).toISOString());

    const future = await api("POST", "/admin/backup/restore", {
      body: { target_environment: "test", target_timestamp: new Date(Date.now() + 3600_000).toISOString() },
    });
    expect(future.status).toBe(422);
    expect(future.json.error.message).toMatch(/in the future/);
    expect(future.json.error.details.nearest_restorable.before).not.toBeNull();

    const both = await api("POST", "/admin/backup/restore", {
      body: { target_environment: "test", backup_id: base.backup_id, target_timestamp: "2026-01-01T00:00:00Z" },
    });
    expect(both.status).toBe(400);
    expect(both.json.error.field).toBe("backup_id");
    const badTime = await api("POST", "/admin/backup/restore", { body: { target_environment: "test", target_timestamp: "yesterday" } });
    expect(badTime.status).toBe(400);
    expect(badTime.json.error.field).toBe("target_timestamp");
    // Assets at an instant before any asset backup: nothing to restore to (test/worker/system-instant.test.ts).
    const noAssets = await api("POST", "/admin/backup/restore", {
      body: { target_environment: "test", components: ["assets"], target_timestamp: "2026-01-01T00:00:00Z" },
    });
    expect(noAssets.status).toBe(422);
    expect(noAssets.json.error.field).toBe("target_timestamp");
  });

  it("puts one user back as of an instant in production; a full restore there resumes capture and starts a new chain", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 60);
    await install();
    await runBackup();
    const good = await checkpoint(env.OIDC_DB);
    const userRows = async () => ({
      user: await env.OIDC_DB.prepare(`SELECT * FROM users WHERE id = 9`).first(),
      tokens: (await env.OIDC_DB.prepare(`SELECT * FROM refresh_tokens WHERE user_id = 9 ORDER BY id`).all()).results,
    });
    const atGood = await userRows();
    // The support case: user 9's account is damaged after `good`; someone else changes too and must keep it.
    await env.OIDC_DB.batch([
      env.OIDC_DB.prepare(`UPDATE users SET email = 'attacker@evil.example', name = NULL WHERE id = 9`),
      env.OIDC_DB.prepare(`DELETE FROM refresh_tokens WHERE user_id = 9`),
      env.OIDC_DB.prepare(`UPDATE users SET name = 'Still Changed' WHERE id = 10`),
    ]);
    await new Promise((r) => setTimeout(r, 1100));
    await ship();
    const prod = { target_environment: "production", confirmation: "I understand this will overwrite current data" };
    const started = await api("POST", "/admin/backup/restore", {
      body: { ...prod, target_timestamp: new Date(good).toISOString(), database: { user_id: 9 } },
      as: "alice",
    });
    expect(started.status, JSON.stringify(started.json)).toBe(202);
    const done = await waitRestore(started.json.restore_id);
    expect(done.status, JSON.stringify(done.error)).toBe("completed");
    expect(await userRows()).toEqual(atGood);
    expect(await env.OIDC_DB.prepare(`SELECT name FROM users WHERE id = 10`).first("name")).toBe("Still Changed");
    // The rows put back are changes like any other: captured, so later point-in-time restores include them.
    const logged = (await changeLog(env.OIDC_DB)).filter((e: any) => e.tbl === "users" && e.key === "9");
    expect(logged.at(-1)?.row).toContain((atGood.user as any).email.replace(/'/g, "''"));

    // A full production restore replaces the tables: capture is reinstalled on the new ones and the chain breaks.
    await new Promise((r) => setTimeout(r, 1100));
    await ship();
    const full = await api("POST", "/admin/backup/restore", {
      body: { ...prod, target_timestamp: new Date(good).toISOString() },
      as: "alice",
    });
    expect(full.status).toBe(202);
    const fullDone = await waitRestore(full.json.restore_id);
    expect(fullDone.status, JSON.stringify(fullDone.error)).toBe("completed");
    const dbRestore = (await api("GET", `/admin/restore/${fullDone.restores.find((r: any) => r.component === "database").restore_id}`))
      .json;
    expect(dbRestore.log.map((l: any) => l.message).join("\n")).toMatch(/change capture reinstalled/);
    const status = (await api("GET", "/admin/capture/status")).json;
    expect(status.uncaptured_tables).toEqual([]);
    expect(status.breaks.map((b: any) => b.kind)).toContain("restore");
    await env.OIDC_DB.prepare(`UPDATE users SET name = 'after restore' WHERE id = 11`).run();
    expect((await changeLog(env.OIDC_DB)).at(-1)).toMatchObject({ tbl: "users", key: "11", op: "U" });
    const points = (await api("GET", "/admin/backup/restore-points")).json;
    expect(points.ranges.at(-1).ends).toBe("restore");

    // The chain survives losing the catalog: rebuilt from the bucket, the same instant is restorable again.
    await env.CATALOG_DB.batch(
      ["DELETE FROM backups", "DELETE FROM change_segments", "DELETE FROM capture_state"].map((q) => env.CATALOG_DB.prepare(q)),
    );
    const rebuilt = await api("POST", "/admin/catalog/rebuild");
    expect(rebuilt.json.segments).toBeGreaterThan(0);
    const again = await restoreToTest({ target_timestamp: new Date(good).toISOString(), database: { user_id: 9 } });
    expect(again.started.status, JSON.stringify(again.started.json)).toBe(202);
  });
});

describe("D1 Time Travel alongside", () => {
  it("each full backup records the platform's bookmark for its instant (REST API stand-in); unconfigured, it is skipped", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 10);
    await install();
    const b = await runBackup();
    expect(b.status).toBe("completed");
    const { Repository } = await import("../../src/repo/repository");
    const repo = await Repository.open(env.BACKUP_BUCKET, env.BACKUP_ENCRYPTION_KEY);
    const manifest: any = await repo.getManifestJson(b.backup_id);
    const at = new Date(manifest.capture.as_of).toISOString();
    expect(manifest.time_travel).toEqual({ database_id: STANDIN.databaseId, at, bookmark: standinBookmark(STANDIN.databaseId, at) });
    expect(b.time_travel.restore_in_place).toBe(
      `npx wrangler d1 time-travel restore OIDC_DB --bookmark=${standinBookmark(STANDIN.databaseId, at)}`,
    );

    const { timeTravelBookmark } = await import("../../src/capture/time-travel");
    expect(await timeTravelBookmark({ ...(env as any), CF_API_TOKEN: undefined }, Date.now())).toBeNull();
    // A wrong token is recorded as the reason, not thrown: the backup does not depend on the platform's feature.
    const refused = await timeTravelBookmark({ ...(env as any), CF_API_TOKEN: "wrong" }, Date.now());
    expect(refused?.bookmark).toBeUndefined();
    expect(refused?.error).toMatch(/403/);
  });
});
