import { runSchedule } from "../../src/schedule/run-schedule";
import { lastMonths } from "../../src/reports/stored";
import { eventOf } from "../../src/notify/events";
import { describe, expect, it } from "vitest";
import { api, env, runBackup, runRestore, seedWithEdgeCases, waitFor } from "./helpers";
import { applyPolicy } from "./helpers";

const DAY = 86_400_000;

async function sha256Hex(text: string) {
  return [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)))]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}

describe("compliance report", () => {
  it("covers success rates, RPO and RTO against target, drills, retention, holds, access to backup data and keys, with a digest the audit trail confirms", async () => {
    await applyPolicy({ min_retention_days: 1, rules: [{ match: {}, keep: { last: 2 } }] });
    // The period starts two minutes before the first backup: the database's first recovery point comes too late for
    // its 60 s target.
    const from = new Date(Date.now() - 120_000).toISOString();
    await seedWithEdgeCases(env.OIDC_DB, 20);
    const old = await runBackup();
    await runBackup();
    await runBackup();
    await env.CATALOG_DB.prepare(
      `INSERT INTO backups (id, type, components, status, requested_by, trigger, created_at, updated_at) VALUES ('bk_failed_x', 'assets', '["assets"]', 'failed', 'x', 'api', ?, ?)`,
    )
      .bind(new Date().toISOString(), new Date().toISOString())
      .run();
    const drill = await api("POST", `/admin/backup/${old.backup_id}/test-restore`, { as: "operator" });
    await waitFor(
      async () => (await api("GET", `/admin/test-restores/${drill.json.test_id}`)).json,
      (t) => t.status !== "running",
      120_000,
    );
    await runRestore(old.backup_id, "test");
    const hold = await api("POST", "/admin/legal-holds", {
      body: { from: "2020-01-01T00:00:00Z", to: "2020-12-31T00:00:00Z", reason: '=HYPERLINK("x") <script>alert(1)</script>' },
    });
    expect(hold.status).toBe(201);
    await env.CATALOG_DB.prepare(`UPDATE backups SET completed_at = ? WHERE id = ?`)
      .bind(new Date(Date.now() - 3 * DAY).toISOString(), old.backup_id)
      .run();
    const run = await api("POST", "/admin/backup/retention/run");
    await waitFor(
      async () => (await api("GET", `/admin/backup/retention/runs/${run.json.run_id}`)).json,
      (r) => r.status !== "running",
      120_000,
    );
    const rot = await api("POST", "/admin/keys/rotate");
    await waitFor(
      async () => (await api("GET", `/admin/keys/rotations/${rot.json.rotation_id}`)).json,
      (r) => r.status !== "running",
    );
    const to = new Date(Date.now() + 60_000).toISOString();

    expect((await api("GET", `/admin/reports/compliance?from=${from}&to=${to}`, { as: "admin" })).status).toBe(403);
    const res = await api("GET", `/admin/reports/compliance?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, {
      as: "auditor",
    });
    expect(res.status).toBe(200);
    const r = res.json;
    expect(r.backups).toEqual([
      { type: "assets", completed: 0, failed: 1, success_rate: 0 },
      { type: "full_database", completed: 3, failed: 0, success_rate: 1 },
    ]);
    // No change capture here: the database's recovery points are its backups, a minute apart at best: target missed.
    expect(r.rpo.find((x: any) => x.component === "database")).toMatchObject({ target_seconds: 60, met: false });
    expect(r.rpo.find((x: any) => x.component === "database").worst_gap_seconds).toBeGreaterThan(0);
    expect(r.rto).toMatchObject({ target_seconds: 3600, drills_passed: 1, met: true });
    expect(r.test_restores).toMatchObject({ run: 1, passed: 1, failed: 0 });
    expect(r.retention.forgotten).toEqual([
      expect.objectContaining({ backup_id: old.backup_id, type: "full_database", reason: "no rule keeps it", run: run.json.run_id }),
    ]);
    expect(r.legal_holds.placed).toEqual([expect.objectContaining({ id: hold.json.id, placed_by: "alice@admin" })]);
    expect(r.data_access.map((a: any) => [a.actor, a.action])).toEqual(
      expect.arrayContaining([
        ["alice@admin", "restore.requested"],
        ["oscar@ops", "POST /admin/backup/:id/test-restore"],
      ]),
    );
    expect(r.keys.rotations).toEqual([expect.objectContaining({ id: rot.json.rotation_id, status: "completed" })]);
    expect(r.audit_chain).toMatchObject({ ok: true, first_problem: null });

    const { digest, ...body } = r;
    expect(await sha256Hex(JSON.stringify(body))).toBe(digest);
    const audited = await env.CATALOG_DB.prepare(`SELECT actor, detail FROM audit_log WHERE action = 'report.generated' AND target = ?`)
      .bind(digest)
      .first<any>();
    expect(audited.actor).toBe("audrey@audit");

    const { exports } = await import("cloudflare:workers");
    const get = (format: string) =>
      (exports as any).default.fetch(
        new Request(
          `http://vaultline.test/admin/reports/compliance?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&format=${format}`,
          { headers: { authorization: "Bearer vl-test-auditor-d04c17" } },
        ),
      );
    const csv = await get("csv");
    expect(csv.headers.get("content-type")).toMatch(/text\/csv/);
    const text = await csv.text();
    expect(text.split("\r\n")[0]).toBe("section,item,field,value");
    expect(text).toContain(`backups,1,type,full_database`);
    expect(text).toContain(`"'=HYPERLINK(""x"")`); // a formula in a value is neutralised
    expect(text).toMatch(/^digest,,,[0-9a-f]{64}$/m);
    const html = await get("html");
    expect(html.headers.get("content-security-policy")).toContain("default-src 'none'");
    const page = await html.text();
    expect(page).not.toContain("<script>");
    expect(page).toContain("&#60;script&#62;");
    expect(page).toMatch(/Digest \(SHA-256 of the JSON report without it\): <code>[0-9a-f]{64}<\/code>/);

    const bad = await api("GET", `/admin/reports/compliance?from=${encodeURIComponent(to)}&to=${encodeURIComponent(from)}`, {
      as: "auditor",
    });
    expect(bad.json.error.field).toBe("to");
  });

  it("the monthly schedule stores last month's report in the repository, sealed, and announces it; the stored copy matches its audited digest", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 5);
    await runBackup();
    const schedules = JSON.stringify({ "0 1 1 * *": [{ task: "compliance_report" }] });
    const done = await runSchedule({ ...env, BACKUP_SCHEDULES: schedules } as typeof env, "0 1 1 * *");
    const { from, to } = lastMonths(new Date(), 1);
    const name = `compliance_${from.slice(0, 10)}_${to.slice(0, 10)}`;
    expect(done).toContain(`report:${name}`);
    expect(await env.BACKUP_BUCKET.head(`reports/${name}`)).not.toBeNull();

    expect((await api("GET", "/admin/reports/stored", { as: "viewer" })).status).toBe(403);
    expect((await api("GET", "/admin/reports/stored", { as: "auditor" })).json.reports).toEqual([name]);
    const stored = (await api("GET", `/admin/reports/stored/${name}`, { as: "auditor" })).json;
    expect(stored).toMatchObject({ report: "vaultline-compliance", period: { from, to }, generated_by: "system:schedule" });
    const generated = await env.CATALOG_DB.prepare(
      `SELECT target FROM audit_log WHERE action = 'report.generated' ORDER BY id DESC LIMIT 1`,
    ).first("target");
    expect(stored.digest).toBe(generated);
    const announced = await env.CATALOG_DB.prepare(`SELECT * FROM audit_log WHERE action = 'report.stored'`).first<any>();
    expect(JSON.parse(announced.detail)).toMatchObject({ digest: stored.digest, key: `reports/${name}`, written: true });
    expect(eventOf(announced, "https://v.test")).toMatchObject({ type: "report.stored", severity: "info" });
    // Write-once: the same period again keeps the first copy.
    await runSchedule({ ...env, BACKUP_SCHEDULES: schedules } as typeof env, "0 1 1 * *");
    const again = await env.CATALOG_DB.prepare(
      `SELECT detail FROM audit_log WHERE action = 'report.stored' ORDER BY id DESC LIMIT 1`,
    ).first<string>("detail");
    expect(JSON.parse(again!)).toMatchObject({ written: false });
  });
});

describe("the report's RPO arithmetic", () => {
  it("the worst stretch without a recovery point counts from the last one before the period, and a range covers what it spans", async () => {
    const { worstGapSeconds } = await import("../../src/reports/compliance");
    const s = 1_000_000;
    const at = (t: number) => ({ from: s + t * 1000, to: s + t * 1000 });
    // A backup 600 s before the period, the next 100 s into it, the period 1,000 s long: 700 s, then 900 s to the end.
    expect(worstGapSeconds(s, s + 1_000_000, [at(-600), at(100)])).toBe(900);
    expect(worstGapSeconds(s, s + 200_000, [at(-600), at(100)])).toBe(700);
    // Nothing at all: the whole period. A range spanning it: nothing uncovered but the tail past its end.
    expect(worstGapSeconds(s, s + 300_000, [])).toBe(300);
    expect(worstGapSeconds(s, s + 300_000, [{ from: s - 5_000, to: s + 290_000 }])).toBe(10);
    expect(worstGapSeconds(s, s, [])).toBeNull();
  });
});
