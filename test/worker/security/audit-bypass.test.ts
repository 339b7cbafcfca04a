// Attacks on the audit trail: an action taken while its entry cannot be written (fail-open), a flood of bad tokens
// that buries real entries and starves the chain, and an approval that recorded its decision but never reached the
// restore. Defences: src/api/app.ts writes a change's entry before it runs and refuses it otherwise; unauthenticated
// requests are counted per source and minute (src/audit/unauthenticated.ts); a repeated decision re-sends its event.
import { describe, expect, it } from "vitest";
import { chainUnauthenticated } from "../../../src/audit/unauthenticated";
import { recordApproval } from "../../../src/catalog/restores";
import { api, env, runBackup, seedWithEdgeCases, waitFor, waitRestore } from "../helpers";

const PROD = { target_environment: "production", confirmation: "I understand this will overwrite current data" };

async function awaitingApproval(backupId: string): Promise<string> {
  const started = await api("POST", "/admin/backup/restore", { body: { ...PROD, backup_id: backupId }, as: "alice" });
  expect(started.status, JSON.stringify(started.json)).toBe(202);
  const waiting = await waitFor(
    async () => (await api("GET", `/admin/restore/${started.json.restore_id}`)).json,
    (r) => r.status !== "initiated" && r.status !== "running",
  );
  expect(waiting.status).toBe("awaiting_approval");
  return started.json.restore_id;
}

const count = async (sql: string, ...binds: unknown[]) =>
  (await env.CATALOG_DB.prepare(sql)
    .bind(...binds)
    .first<number>("n"))!;

describe("attack: acting without an audit entry", () => {
  it("a change whose entry cannot be written is refused (503) and does not run; a read is withheld", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 5);
    const backups = await count(`SELECT count(*) AS n FROM backups`);
    await env.CATALOG_DB.prepare(`ALTER TABLE audit_log RENAME TO audit_log_away`).run();
    try {
      const create = await api("POST", "/admin/backup/create", { body: { type: "full_database" }, as: "operator" });
      expect(create.status).toBe(503);
      expect(create.json.error.code).toBe("audit_unavailable");
      const list = await api("GET", "/admin/backup/list", { as: "viewer" });
      expect(list.status).toBe(503);
      expect(list.json.backups).toBeUndefined();
    } finally {
      await env.CATALOG_DB.prepare(`ALTER TABLE audit_log_away RENAME TO audit_log`).run();
    }
    expect(await count(`SELECT count(*) AS n FROM backups`)).toBe(backups);
    // The entry comes first: the change's entry is in the chain before anything the change itself audits.
    const create = await api("POST", "/admin/backup/create", { body: { type: "full_database" }, as: "operator" });
    expect(create.status).toBe(202);
    const ahead = await count(`SELECT id AS n FROM audit_log WHERE action = 'POST /admin/backup/create' AND outcome = 102`);
    const started = await count(`SELECT id AS n FROM audit_log WHERE action = 'backup.started' AND target = ?`, create.json.backup_id);
    expect(ahead).toBeLessThan(started);
  });
});

describe("attack: flooding the audit trail with bad tokens", () => {
  it("300 bad-token requests, 50 operator backups and one approval at once: 50 entries for the backups, the approval answers 200, the flood is counted, the chain verifies", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 5);
    const base = await runBackup();
    const restoreId = await awaitingApproval(base.backup_id);
    const anonymousBefore = await count(`SELECT count(*) AS n FROM audit_log WHERE actor = 'anonymous'`);
    const createsBefore = await count(`SELECT count(*) AS n FROM audit_log WHERE action = 'POST /admin/backup/create'`);

    const flood = Array.from({ length: 300 }, (_, i) => api("GET", "/admin/backup/list", { bearer: `stolen-or-guessed-${i}` }));
    const backups = Array.from({ length: 50 }, () => api("POST", "/admin/backup/create", { body: { type: "config" }, as: "operator" }));
    const approval = api("POST", `/admin/restore/${restoreId}/approve`, { as: "bob", body: { comment: "checked" } });
    const [floodAnswers, backupAnswers, approved] = await Promise.all([Promise.all(flood), Promise.all(backups), approval]);

    expect(floodAnswers.every((r) => r.status === 401)).toBe(true);
    expect(backupAnswers.map((r) => r.status)).toEqual(Array(50).fill(202));
    expect(approved.status, JSON.stringify(approved.json)).toBe(200);
    // One entry ahead of each backup and one with its result: 50 each, none for the flood.
    const creates = `SELECT count(*) AS n FROM audit_log WHERE action = 'POST /admin/backup/create' AND outcome = ?`;
    expect(await count(creates, 102)).toBe(createsBefore / 2 + 50);
    expect(await count(creates, 202)).toBe(createsBefore / 2 + 50);
    // Not one chained entry per bad token: counted per source and minute instead.
    expect(await count(`SELECT count(*) AS n FROM audit_log WHERE actor = 'anonymous'`)).toBe(anonymousBefore);
    expect(await count(`SELECT sum(n) AS n FROM unauthenticated_requests`)).toBe(300);
    const counts = (await api("GET", "/admin/audit/unauthenticated", { as: "auditor" })).json.counts;
    expect(counts.reduce((n: number, r: any) => n + r.n, 0)).toBe(300);

    // Once its minute has closed, the flood is one chained entry.
    expect(await chainUnauthenticated(env.CATALOG_DB, new Date(Date.now() + 120_000))).toBeGreaterThanOrEqual(1);
    const summaries = (
      await env.CATALOG_DB.prepare(`SELECT detail FROM audit_log WHERE action = 'auth.unauthenticated'`).all<{ detail: string }>()
    ).results.map((r) => JSON.parse(r.detail));
    expect(summaries.reduce((n, d) => n + d.requests, 0)).toBe(300);
    expect(await chainUnauthenticated(env.CATALOG_DB, new Date(Date.now() + 120_000))).toBe(0);

    const verified = (await api("GET", "/admin/audit/verify", { as: "auditor" })).json;
    expect(verified).toMatchObject({ ok: true, problems: [] });
    expect((await waitRestore(restoreId)).status).toBe("completed");
  });
});

describe("attack: an approval that never reaches the restore", () => {
  it("the same decision again re-sends the event and the restore goes on; another decision is refused", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 5);
    const base = await runBackup();
    const restoreId = await awaitingApproval(base.backup_id);
    // The first attempt recorded bob's decision and died before sending the event.
    expect(
      await recordApproval(env.CATALOG_DB, { restore_id: restoreId, decision: "approve", decided_by: "bob@approve", comment: "ok" }),
    ).toBe(true);
    const other = await api("POST", `/admin/restore/${restoreId}/reject`, { as: "bob", body: { comment: "changed my mind" } });
    expect(other.status).toBe(409);
    const again = await api("POST", `/admin/restore/${restoreId}/approve`, { as: "bob", body: { comment: "ok" } });
    expect(again.status, JSON.stringify(again.json)).toBe(200);
    expect(again.json).toMatchObject({ decision: "approve", repeated: true });
    expect((await waitRestore(restoreId, { approve: false })).status).toBe("completed");
  });
});
