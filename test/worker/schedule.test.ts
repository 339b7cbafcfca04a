import { createExecutionContext, createScheduledController, introspectWorkflow, waitOnExecutionContext } from "cloudflare:test";
import { previousRun, typicalGapMs } from "../../src/schedule/intervals";
import { cronMatches } from "../../scripts/lib/cron";
import { healthReport } from "../../src/health/health";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { runWatchdog } from "../../src/schedule/watchdog";
import { api, env, seedWithEdgeCases, waitFor } from "./helpers";

async function fire(cron: string) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron, scheduledTime: Date.now() }), env, ctx);
  await waitOnExecutionContext(ctx);
}

const backdate = (table: string, id: string) =>
  env.CATALOG_DB.prepare(`UPDATE ${table} SET updated_at = '2000-01-01T00:00:00.000Z' WHERE id = ?`).bind(id).run();

describe("schedules", () => {
  it("the daily crons start the backups BACKUP_SCHEDULES lists for them (database at 02:00, assets and config at 03:00), and they complete", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 20);
    await env.ASSETS_BUCKET.put("logo.svg", "<svg/>");
    await fire("0 2 * * *");
    await fire("0 3 * * *");
    const { results } = await env.CATALOG_DB.prepare("SELECT id, type, trigger, requested_by FROM backups ORDER BY type").all<{
      id: string;
      type: string;
      trigger: string;
      requested_by: string;
    }>();
    expect(results.map((r) => r.type)).toEqual(["assets", "config", "full_database"]);
    for (const row of results) {
      expect(row).toMatchObject({ trigger: "schedule", requested_by: "system:schedule" });
      const done = await waitFor(
        async () => (await api("GET", `/admin/backup/${row.id}`)).json,
        (b) => b.status !== "initiated" && b.status !== "running",
      );
      expect(done.status, `${row.type}: ${JSON.stringify(done.error)}`).toBe("completed");
    }
  });

  it("a cron with no entry starts nothing and is audited", async () => {
    await fire("17 4 * * 2");
    expect(await env.CATALOG_DB.prepare("SELECT count(*) AS n FROM backups").first("n")).toBe(0);
    expect(await env.CATALOG_DB.prepare("SELECT action, target FROM audit_log").first()).toEqual({
      action: "schedule.unknown_cron",
      target: "17 4 * * 2",
    });
  });
});

describe("watchdog", () => {
  it("records a backup whose instance died without recording its outcome as failed", async () => {
    await using wf = await introspectWorkflow(env.FULL_DATABASE_BACKUP);
    await wf.modifyAll(async (m) => {
      await m.disableRetryDelays();
      await m.mockStepError({ name: "open repository" }, new Error("runtime died"));
      await m.mockStepError({ name: "record failure" }, new Error("runtime died"));
    });
    const created = await api("POST", "/admin/backup/create", { body: { type: "full" } });
    const id = created.json.backup_id;
    const [instance] = await wf.get();
    await instance!.waitForStatus("errored");
    expect((await api("GET", `/admin/backup/${id}`)).json.status).toBe("initiated");

    expect(await runWatchdog(env)).toEqual([]); // not stale yet: nothing touched
    expect((await api("GET", `/admin/backup/${id}`)).json.status).toBe("initiated");

    await backdate("backups", id);
    await runWatchdog(env);
    const after = (await api("GET", `/admin/backup/${id}`)).json;
    expect(after.status).toBe("failed");
    expect(after.error.code).toBe("workflow_errored");
    const audited = await env.CATALOG_DB.prepare("SELECT actor, action, target FROM audit_log WHERE actor = 'system:watchdog'").first();
    expect(audited).toEqual({ actor: "system:watchdog", action: "backup.mark_failed", target: id });
  });

  it("restarts a backup that claims to run but has not moved, and the restarted backup completes", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 40);
    await using wf = await introspectWorkflow(env.FULL_DATABASE_BACKUP);
    // The first export attempt fails and the step backs off (5 s): the instance is running but not moving.
    await wf.modifyAll(async (m) => {
      await m.mockStepError({ name: "export 1" }, new Error("transient"), 1);
    });
    const id = (await api("POST", "/admin/backup/create", { body: { type: "full" } })).json.backup_id;
    await waitFor(
      async () => (await api("GET", `/admin/backup/${id}`)).json,
      (b) => b.current_step === "snapshot schema",
    );
    await backdate("backups", id);
    const restarted = await runWatchdog(env);
    expect(restarted).toEqual([id]);
    const done = await waitFor(
      async () => (await api("GET", `/admin/backup/${id}`)).json,
      (b) => b.status === "completed" || b.status === "failed",
    );
    expect(done.status).toBe("completed");
    expect(done.restarts).toBe(1);
    expect(await env.CATALOG_DB.prepare("SELECT action FROM audit_log WHERE actor = 'system:watchdog'").first("action")).toBe(
      "backup.restart",
    );
  });
});

describe("catalog", () => {
  it("is rebuilt from the bucket alone", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 30);
    const created = await api("POST", "/admin/backup/create", { body: { type: "full", description: "nightly" } });
    const done = await waitFor(
      async () => (await api("GET", `/admin/backup/${created.json.backup_id}`)).json,
      (b) => b.status === "completed",
    );
    await env.CATALOG_DB.prepare("DELETE FROM backups").run();
    expect((await api("GET", "/admin/backup/list")).json.total).toBe(0);

    const rebuilt = await api("POST", "/admin/catalog/rebuild");
    expect(rebuilt.json).toEqual({ manifests: 1, inserted: 1, updated: 0, unreadable: [], segments: 0, records: 0 });
    const again = (await api("GET", `/admin/backup/${done.backup_id}`)).json;
    expect(again.status).toBe("completed");
    expect(again.description).toBe("nightly");
    expect(again.manifest).toMatchObject({ rows: done.manifest.rows, tables: done.manifest.tables, chunks: done.manifest.chunks });
  });
});

describe("schedules read by a cron library", () => {
  it("knows when each expression was last due and how often it runs: twice a day, weekdays only, monthly", () => {
    const at = new Date("2026-12-02T15:00:00Z"); // a Wednesday
    expect(previousRun("0 2,14 * * *", at)?.toISOString()).toBe("2026-12-02T14:00:00.000Z");
    expect(typicalGapMs("0 2,14 * * *", at)).toBe(12 * 3_600_000);
    const sunday = new Date("2026-11-29T12:00:00Z");
    expect(previousRun("30 2 * * 1-5", sunday)?.toISOString()).toBe("2026-11-27T02:30:00.000Z"); // Friday
    expect(previousRun("0 1 1 * *", at)?.toISOString()).toBe("2026-12-01T01:00:00.000Z");
    expect(cronMatches("0 9-17/4 * * 1-5", new Date("2026-11-30T13:00:30Z"))).toBe(true);
    expect(cronMatches("0 9-17/4 * * 1-5", new Date("2026-11-29T13:00:00Z"))).toBe(false);
  });

  it("overdue follows the exact schedule: a twice-daily backup missed at 14:00 is overdue by 16:01; a weekday one is not on Sunday", async () => {
    await env.CATALOG_DB.prepare(`UPDATE d1_migrations SET applied_at = '2026-01-01 00:00:00'`).run();
    const schedules = (s: Record<string, unknown>) => ({ ...env, BACKUP_SCHEDULES: JSON.stringify(s) }) as typeof env;
    const done = (id: string, at: string) =>
      env.CATALOG_DB.prepare(
        `INSERT INTO backups (id, type, components, status, requested_by, trigger, created_at, updated_at, completed_at) VALUES (?, 'full_database', '["database"]', 'completed', 'x', 'schedule', ?, ?, ?)`,
      )
        .bind(id, at, at, at)
        .run();
    await done("bk_20261202T020500Z_00000001", "2026-12-02T02:05:00.000Z");
    const twice = schedules({ "0 2,14 * * *": [{ task: "backup", type: "full_database" }] });
    // Read as "every 24 h", this would not be overdue before 04:05 tomorrow.
    const late = await healthReport(twice, Date.parse("2026-12-02T16:01:00Z"));
    expect(late.last_success.full_database).toMatchObject({
      overdue: true,
      expected_every_hours: 12,
      last_due: "2026-12-02T14:00:00.000Z",
    });
    const onTime = await healthReport(twice, Date.parse("2026-12-02T15:59:00Z"));
    expect(onTime.last_success.full_database?.overdue).toBe(false);

    const weekdays = schedules({ "30 2 * * 1-5": [{ task: "backup", type: "full_database" }] });
    await env.CATALOG_DB.prepare(`DELETE FROM backups`).run();
    await done("bk_20261127T023500Z_00000002", "2026-11-27T02:35:00.000Z");
    const sunday = await healthReport(weekdays, Date.parse("2026-11-29T12:00:00Z"));
    expect(sunday.last_success.full_database).toMatchObject({ overdue: false, last_due: "2026-11-27T02:30:00.000Z" });
    const monday = await healthReport(weekdays, Date.parse("2026-11-30T05:00:00Z"));
    expect(monday.last_success.full_database?.overdue).toBe(true);
  });
});
