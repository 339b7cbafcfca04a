import { describe, expect, it } from "vitest";
import { HOOKS } from "../shared/webhook-receiver";
import { signature } from "../../src/notify/deliver";
import { api, env, runBackup, seedWithEdgeCases, waitFor } from "./helpers";
import { applyPolicy } from "./helpers";

const received = async () => (await (await fetch(`${HOOKS.base}/_received`)).json()) as { path: string; event: any; attempt: number }[];

async function dispatch() {
  const r = await api("POST", "/admin/notifications/dispatch", { as: "operator" });
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return r.json;
}

describe("notifications", () => {
  it("outcomes go out as signed webhooks with a Slack-compatible text; a tampered or replayed delivery is refused by the receiver", async () => {
    await fetch(`${HOOKS.base}/_reset`, { method: "POST" });
    await seedWithEdgeCases(env.OIDC_DB, 10);
    const b = await runBackup();
    const sent = await dispatch();
    expect(sent.messages).toBeGreaterThan(0);
    const got = await waitFor(received, (r) => r.some((x) => x.event.type === "backup.completed"), 30_000);
    const ev = got.find((x) => x.event.type === "backup.completed")!.event;
    expect(ev).toMatchObject({
      type: "backup.completed",
      severity: "info",
      target: b.backup_id,
      summary: `backup completed: ${b.backup_id}`,
    });
    expect(ev.text).toMatch(/^:white_check_mark: \*Vaultline\* backup completed: bk_/);

    // The receiver's own checks, exercised from outside: a signed body with one byte changed, then a replay.
    const body = JSON.stringify({ ...ev, id: "ev_manual" });
    const ts = Math.floor(Date.now() / 1000);
    const sig = await signature(HOOKS.secret, ts, body);
    const headers = {
      "content-type": "application/json",
      "x-vaultline-event-id": "ev_manual",
      "x-vaultline-timestamp": String(ts),
      "x-vaultline-signature": `v1=${sig}`,
    };
    expect((await fetch(`${HOOKS.base}/ok`, { method: "POST", headers, body: body.replace("completed", "c0mpleted") })).status).toBe(401);
    expect((await fetch(`${HOOKS.base}/ok`, { method: "POST", headers, body })).status).toBe(200);
    expect((await fetch(`${HOOKS.base}/ok`, { method: "POST", headers, body })).status).toBe(409);
    const stale = Math.floor(Date.now() / 1000) - 3600;
    expect(
      (
        await fetch(`${HOOKS.base}/ok`, {
          method: "POST",
          headers: {
            ...headers,
            "x-vaultline-event-id": "ev_old",
            "x-vaultline-timestamp": String(stale),
            "x-vaultline-signature": `v1=${await signature(HOOKS.secret, stale, body)}`,
          },
          body,
        })
      ).status,
    ).toBe(401);
    // Nothing goes twice: a second dispatch has nothing new for the same events.
    expect((await dispatch()).messages).toBe(0);
  });

  it("a receiver that fails five times still gets the event; one that never recovers leaves it in the dead-letter queue, recorded", async () => {
    await fetch(`${HOOKS.base}/_reset`, { method: "POST" });
    await env.CATALOG_DB.prepare(
      `INSERT INTO backups (id, type, components, status, requested_by, trigger, created_at, updated_at) VALUES ('bk_to_fail', 'config', '["config"]', 'running', 'x', 'api', ?, ?)`,
    )
      .bind(new Date().toISOString(), new Date().toISOString())
      .run();
    const { markBackupFailed } = await import("../../src/catalog/backups");
    await markBackupFailed(env.CATALOG_DB, "bk_to_fail", "integrity_error", "chunk altered");
    await dispatch();
    const got = await waitFor(received, (r) => r.some((x) => x.path === "/flaky-5" && x.event.type === "backup.failed"), 90_000, 200);
    const flaky = got.find((x) => x.path === "/flaky-5")!;
    expect(flaky.attempt).toBe(6);
    expect(flaky.event).toMatchObject({ severity: "critical", target: "bk_to_fail", data: { code: "integrity_error" } });
    expect(flaky.event.text).toMatch(/^:red_circle: /);
    const dead = await waitFor(
      async () => (await api("GET", "/admin/notifications", { as: "viewer" })).json.dead_letters,
      (d) => d.length > 0,
      90_000,
      200,
    );
    expect(dead).toEqual([
      expect.objectContaining({
        destination: expect.stringMatching(/^hooks\.vaultline\.test #[0-9a-f]{16}$/),
        event: expect.objectContaining({ type: "backup.failed", target: "bk_to_fail" }),
      }),
    ]);
    // The first delivery and the queue's 8 retries, then the dead-letter queue.
    const tries = (await (await fetch(`${HOOKS.base}/_attempts`)).json()) as Record<string, number>;
    expect(tries[`/down ${dead[0].event.id}`]).toBe(9);
  });

  it("e-mail gets failures and the daily digest, not each success; the digest counts what completed", async () => {
    await fetch(`${HOOKS.base}/_reset`, { method: "POST" });
    await seedWithEdgeCases(env.OIDC_DB, 10);
    await runBackup();
    await runBackup();
    const { dailyDigest } = await import("../../src/notify/dispatch");
    const digest = await dailyDigest(env);
    expect(digest.counts).toEqual({ "backup.completed": 2 });
    const sent = await dispatch();
    const destinations = (await api("GET", "/admin/notifications", { as: "viewer" })).json.destinations;
    expect(destinations).toEqual(
      expect.arrayContaining([{ destination: "mailto:ops@vaultline.test", events: expect.arrayContaining(["backup.failed", "digest."]) }]),
    );
    // To e-mail: the digest and the alerts, none of the two successes. Everything reaches /ok.
    const rows = (
      await env.CATALOG_DB.prepare(`SELECT action FROM audit_log WHERE id <= ?`).bind(sent.through).all<{ action: string }>()
    ).results.map((r) => r.action);
    expect(rows.filter((a) => a === "backup.completed")).toHaveLength(2);
    const got = await waitFor(received, (r) => r.some((x) => x.event.type === "digest.daily"), 30_000);
    expect(got.find((x) => x.event.type === "digest.daily")!.event.summary).toBe("daily digest: 2 backup completed");
    // No e-mail delivery failed: nothing in the dead-letter queue.
    await new Promise((r) => setTimeout(r, 2000));
    expect((await api("GET", "/admin/notifications", { as: "viewer" })).json.dead_letters).toEqual([]);
  });

  it("each alert condition fires once when it becomes true and resolves once when it stops", async () => {
    await fetch(`${HOOKS.base}/_reset`, { method: "POST" });
    // A catalog created long ago with no backup since (a fresh one would be waiting for the first scheduled run).
    await env.CATALOG_DB.prepare(`UPDATE d1_migrations SET applied_at = '2026-01-01 00:00:00'`).run();
    const first = await dispatch();
    expect(first.alerts.fired).toEqual(expect.arrayContaining(["overdue:full_database", "rpo:database"]));
    expect((await dispatch()).alerts).toEqual({ fired: [], resolved: [] });
    // A waiting approval, a storage budget passed.
    await seedWithEdgeCases(env.OIDC_DB, 10);
    const b = await runBackup();
    const now = new Date().toISOString();
    await env.CATALOG_DB.prepare(
      `INSERT INTO restores (id, backup_id, components, target_environment, target_binding, status, requested_by, created_at, updated_at) VALUES ('rs_wait_n', ?, '["database"]', 'production', 'production', 'awaiting_approval', 'alice@admin', ?, ?)`,
    )
      .bind(b.backup_id, now, now)
      .run();
    await applyPolicy({ min_retention_days: 30, rules: [{ match: {}, keep: { daily: 30 } }], storage_budget_bytes: 1000 });
    await api("POST", "/admin/backup/storage/sample", { as: "operator" });
    const second = await dispatch();
    expect(second.alerts.fired.sort()).toEqual(["approval:waiting", "storage:budget"]);
    expect(second.alerts.resolved).toEqual(expect.arrayContaining(["overdue:full_database", "rpo:database"]));
    await env.CATALOG_DB.prepare(`UPDATE restores SET status = 'cancelled' WHERE id = 'rs_wait_n'`).run();
    expect((await dispatch()).alerts).toEqual({ fired: [], resolved: ["approval:waiting"] });
    const got = await waitFor(
      received,
      (r) => r.some((x) => x.event.type === "alert.resolved" && x.event.target === "approval:waiting"),
      30_000,
    );
    const alerts = got.filter((x) => x.event.type.startsWith("alert.")).map((x) => `${x.event.type} ${x.event.target}`);
    expect(alerts.filter((a) => a === "alert.fired approval:waiting")).toHaveLength(1);
    expect(alerts.filter((a) => a === "alert.resolved approval:waiting")).toHaveLength(1);
    expect(alerts.filter((a) => a === "alert.fired overdue:full_database")).toHaveLength(1);
  });
});
