// Attack: someone who can write the provider's database plants rows in the change log, hoping a restore (or
// `vaultline recover`) runs them as SQL. Defence: the shipper refuses any entry that is not a plain list of literal
// values of the table's width (src/capture/ship.ts entryProblem), and replay binds values, never inlines them
// (src/restore/replay.ts), so a bad entry that reached a segment anyway fails the restore with a clear error.
import { describe, expect, it } from "vitest";
import { encodeSegment } from "../../../src/capture/segment";
import { openRepository } from "../../../src/repo/open";
import type { ChangeEntry } from "../../../schemas/capture";
import { api, checkpoint, env, restoreToTest, runBackup, seedWithEdgeCases, userSnapshot } from "../helpers";

const ship = async () => {
  const r = await api("POST", "/admin/capture/ship");
  expect(r.status).toBe(200);
  return r.json;
};

async function lastLogged(): Promise<{ seq: number; key: string; row: string }> {
  return (await env.OIDC_DB.prepare(`SELECT seq, key, row FROM _vaultline_changes ORDER BY seq DESC LIMIT 1`).first())!;
}

function plant(key: string, row: string | null, op = "U", table = "users") {
  return env.OIDC_DB.prepare(`INSERT INTO _vaultline_changes (at, tbl, op, key, row) VALUES (?, ?, ?, ?, ?)`)
    .bind(Date.now(), table, op, key, row)
    .run();
}

/** Anything a planted subquery could have copied into the restored users table. */
async function leaked(db: D1Database): Promise<number> {
  return (await db.prepare(`SELECT count(*) AS n FROM users WHERE name LIKE '%@%' OR name LIKE '%,%'`).first<number>("n"))!;
}

describe("attack: SQL planted in the change log", () => {
  it("a subquery, a second statement and an ATTACH are refused at ship time, recorded as a break and alerted; nothing of them is shipped", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 20);
    expect((await api("POST", "/admin/capture/install")).status).toBe(200);
    const base = await runBackup();
    await env.OIDC_DB.prepare(`UPDATE users SET name = 'legit' WHERE id = 2`).run();
    const real = await lastLogged();
    const beforePlant = await checkpoint(env.OIDC_DB);
    const good = await userSnapshot(env.OIDC_DB);

    await plant(real.key, real.row.replace("'legit'", "(SELECT group_concat(email) FROM users)"));
    await plant(real.key, real.row.replace("'legit'", "'x'); DELETE FROM users; --"));
    await plant(`${real.key}); ATTACH DATABASE 'file:planted.sqlite' AS planted; --`, real.row);
    await plant(real.key, `${real.row},'one too many'`);
    await plant(real.key, real.row, "U", "sqlite_master");
    await env.OIDC_DB.prepare(`UPDATE users SET name = 'after' WHERE id = 3`).run();
    await new Promise((r) => setTimeout(r, 1100));

    const shipped = await ship();
    expect(shipped.refused.map((r: any) => r.seq)).toEqual([real.seq + 1, real.seq + 2, real.seq + 3, real.seq + 4, real.seq + 5]);
    expect(shipped.refused[0].reason).toMatch(/its row unexpected literal in row: \(SELECT/);
    expect(shipped.refused[1].reason).toMatch(/its row malformed row tuple/);
    expect(shipped.refused[2].reason).toMatch(/its key unexpected literal in row: 2\); ATTACH/);
    expect(shipped.refused[3].reason).toMatch(/its row holds \d+ values where \d+ are expected/);
    expect(shipped.refused[4].reason).toMatch(/table "sqlite_master" is not captured/);
    // The legitimate change after them ships; the log keeps none of the planted rows.
    expect(shipped.entries).toBeGreaterThanOrEqual(2);
    expect(await env.OIDC_DB.prepare(`SELECT count(*) AS n FROM _vaultline_changes`).first("n")).toBe(0);

    // Each refusal is audited (a critical notification) and ends point-in-time coverage where it sits.
    const refusedAudit = await env.CATALOG_DB.prepare(`SELECT count(*) AS n FROM audit_log WHERE action = 'capture.entry_refused'`).first(
      "n",
    );
    expect(refusedAudit).toBe(5);
    const points = (await api("GET", "/admin/backup/restore-points?component=database")).json;
    expect(points.ranges[0]).toMatchObject({ base_backup_id: base.backup_id, ends: "gap" });
    const past = await api("POST", "/admin/backup/restore", {
      body: { target_environment: "test", target_timestamp: new Date(Date.now() - 200).toISOString() },
    });
    expect(past.status).toBe(422);

    // Up to the planted rows the database restores exactly, and nothing of them ran.
    const ok = await restoreToTest({ target_timestamp: new Date(Math.min(beforePlant, Date.parse(points.ranges[0].to))).toISOString() });
    expect(ok.done.status, JSON.stringify(ok.done.error)).toBe("completed");
    expect(await userSnapshot(env.RESTORE_TARGET_DB)).toEqual(good);
    expect(await leaked(env.RESTORE_TARGET_DB)).toBe(0);
  });

  it("a planted entry that reached a segment anyway (an older shipper) fails the restore with a clear error, runs nothing, and leaves the target as it was", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 20);
    expect((await api("POST", "/admin/capture/install")).status).toBe(200);
    await runBackup();
    await env.OIDC_DB.prepare(`UPDATE users SET name = 'legit' WHERE id = 2`).run();
    const real = await lastLogged();
    await new Promise((r) => setTimeout(r, 1100));
    await ship();

    // Rewrite the shipped segment as an unchecking shipper would have written it: the row carries a subquery.
    const seg = (await env.CATALOG_DB.prepare(`SELECT key, first_seq, last_seq, first_at FROM change_segments WHERE last_seq >= ?`)
      .bind(real.seq)
      .first<{ key: string; first_seq: number; last_seq: number; first_at: number }>())!;
    const repo = await openRepository(env);
    const entries: ChangeEntry[] = [];
    for (let s = seg.first_seq; s <= seg.last_seq; s++)
      entries.push([s, seg.first_at, "users", "U", real.key, real.row.replace("'legit'", "(SELECT group_concat(email) FROM users)")]);
    const plaintext = encodeSegment(entries);
    await env.BACKUP_BUCKET.delete(seg.key);
    await repo.putSegment(seg.key, plaintext);
    const digest = [...new Uint8Array(await crypto.subtle.digest("SHA-256", plaintext))]
      .map((b) => b.toString(16).padStart(2, "0"))
      .join("");
    await env.CATALOG_DB.prepare(`UPDATE change_segments SET sha256 = ? WHERE key = ?`).bind(digest, seg.key).run();

    await env.RESTORE_TARGET_DB.prepare(`CREATE TABLE IF NOT EXISTS canary (v TEXT)`).run();
    await env.RESTORE_TARGET_DB.prepare(`INSERT INTO canary VALUES ('untouched')`).run();
    const points = (await api("GET", "/admin/backup/restore-points?component=database")).json;
    const bad = await restoreToTest({ target_timestamp: points.ranges[0].to });
    expect(bad.started.status, JSON.stringify(bad.started.json)).toBe(202);
    expect(bad.done.status).toBe("failed");
    expect(bad.done.error.code).toBe("unsupported_schema");
    expect(bad.done.error.message).toMatch(/row image is not a list of plain values \(unexpected literal in row: \(SELECT/);
    expect(await env.RESTORE_TARGET_DB.prepare(`SELECT v FROM canary`).all()).toMatchObject({ results: [{ v: "untouched" }] });
    const leftovers = await env.RESTORE_TARGET_DB.prepare(
      `SELECT count(*) AS n FROM sqlite_master WHERE name LIKE '\\_vaultline\\_%' ESCAPE '\\'`,
    ).first("n");
    expect(leftovers).toBe(0);
  });
});
