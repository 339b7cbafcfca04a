import { describe, expect, it } from "vitest";
import { api, env, runBackup, runRestore, seedWithEdgeCases } from "./helpers";
import { applyPolicy } from "./helpers";

describe("health and metrics", () => {
  it("health: overdue types, failures, stuck work, approvals, RPO, storage budget, each with what to do", async () => {
    // A catalog created just now: no scheduled run has been due since, so nothing is overdue yet.
    const fresh = (await api("GET", "/admin/backup/health", { as: "viewer" })).json;
    expect(fresh.last_success.full_database).toMatchObject({ at: null, overdue: false, waiting_for_first_run: true });
    expect(fresh.findings.some((f: any) => f.key?.startsWith("overdue:"))).toBe(false);
    // Nor is a component without a backup yet failing its RPO while the install is younger than the target, and the
    // retention and drill schedules have not come round: nothing to do, and the answer says what it waits for.
    expect(fresh.rpo.assets).toMatchObject({ seconds: null, met: true, waiting_for_first_backup: true });
    expect(fresh.findings.map((f: any) => f.area)).not.toEqual(expect.arrayContaining(["retention"]));
    expect(fresh.findings.map((f: any) => f.area)).not.toEqual(expect.arrayContaining(["drills"]));
    expect(fresh.findings.filter((f: any) => f.key === "rpo:assets")).toEqual([]);
    // Created long ago, and no backup since: every scheduled type is overdue.
    await env.CATALOG_DB.prepare(`UPDATE d1_migrations SET applied_at = '2026-01-01 00:00:00'`).run();
    const empty = (await api("GET", "/admin/backup/health", { as: "viewer" })).json;
    expect(empty.status).toBe("unhealthy");
    expect(empty.last_success.full_database).toMatchObject({ at: null, expected_every_hours: 24, overdue: true });
    expect(empty.last_success.incremental_database.expected_every_hours).toBe(6);
    expect(empty.last_success.monthly_archive.expected_every_hours).toBe(744);
    expect(empty.recommendations).toContain(
      `POST /admin/backup/create {"type":"full_database"}; check the last failure's error, and that the cron triggers fire`,
    );

    await seedWithEdgeCases(env.OIDC_DB, 20);
    const b = await runBackup();
    const now = new Date().toISOString();
    const old = new Date(Date.now() - 3_600_000).toISOString();
    await env.CATALOG_DB.batch([
      env.CATALOG_DB.prepare(
        `INSERT INTO backups (id, type, components, status, requested_by, trigger, created_at, updated_at, error_code) VALUES ('bk_failed_h', 'assets', '["assets"]', 'failed', 'x', 'schedule', ?, ?, 'integrity_error')`,
      ).bind(now, now),
      env.CATALOG_DB.prepare(
        `INSERT INTO backups (id, type, components, status, requested_by, trigger, created_at, updated_at) VALUES ('bk_stuck_h', 'config', '["config"]', 'running', 'x', 'schedule', ?, ?)`,
      ).bind(old, old),
      env.CATALOG_DB.prepare(
        `INSERT INTO restores (id, backup_id, components, target_environment, target_binding, status, requested_by, created_at, updated_at) VALUES ('rs_wait_h', ?, '["database"]', 'production', 'production', 'awaiting_approval', 'alice@admin', ?, ?)`,
      ).bind(b.backup_id, now, now),
    ]);
    await applyPolicy({ min_retention_days: 30, rules: [{ match: {}, keep: { daily: 30 } }], storage_budget_bytes: 1000 });
    await api("POST", "/admin/backup/storage/sample", { as: "operator" });

    const h = (await api("GET", "/admin/backup/health", { as: "viewer" })).json;
    expect(h.last_success.full_database).toMatchObject({ at: b.completed_at ?? expect.any(String), overdue: false });
    expect(h.success_rate["24h"]).toEqual({ completed: 1, failed: 1, rate: 0.5 });
    expect(h.rpo.database).toMatchObject({ target_seconds: 60, met: true });
    expect(h.rpo.assets).toMatchObject({ seconds: null, met: false });
    expect(h.workflows.stuck.map((s: any) => s.id)).toEqual(["bk_stuck_h"]);
    expect(h.workflows.awaiting_approval.map((s: any) => s.id)).toEqual(["rs_wait_h"]);
    expect(h.storage.budget_used).toBeGreaterThan(1);
    const areas = h.findings.map((f: any) => `${f.level} ${f.area}`);
    expect(areas).toEqual(
      expect.arrayContaining([
        "warning backups",
        "critical storage",
        "warning workflows",
        "warning approvals",
        "warning drills",
        "warning rpo",
      ]),
    );
    expect(h.findings.find((f: any) => f.area === "approvals").recommendation).toMatch(/approve or \/reject/);
    // The product requirements' field names, beside the precise ones.
    expect(h).toMatchObject({
      overall_health: h.status === "healthy" ? "healthy" : h.status === "degraded" ? "warning" : "critical",
      backup_success_rate: h.success_rate["7d"].rate,
      storage_usage: expect.stringMatching(/^\d+(\.\d)?(B|KB|MB|GB)$/),
      retention_compliance: false, // no retention run yet: a finding says so
      last_successful_backup: b.completed_at ?? expect.any(String),
    });
    expect(h.recommendations.length).toBeGreaterThan(0);
  });

  it("metrics: per day and type, runs by outcome, durations, bytes and throughput; restores and drills too", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 30);
    const a = await runBackup();
    await runBackup();
    await runRestore(a.backup_id, "test");
    const m = (await api("GET", "/admin/metrics?days=7", { as: "viewer" })).json;
    const today = new Date().toISOString().slice(0, 10);
    expect(m.backups).toEqual([expect.objectContaining({ day: today, type: "full_database", runs: 2, completed: 2, failed: 0 })]);
    expect(m.backups[0].avg_duration_ms).toBeGreaterThan(0);
    expect(m.backups[0].raw_bytes).toBeGreaterThan(0);
    expect(m.restores).toEqual([expect.objectContaining({ day: today, target_environment: "test", runs: 1, completed: 1 })]);
    expect((await api("GET", "/admin/metrics?days=0")).json.error.field).toBe("days");
  });
});
