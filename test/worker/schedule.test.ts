import { createExecutionContext, createScheduledController, introspectWorkflow, waitOnExecutionContext } from "cloudflare:test";
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
