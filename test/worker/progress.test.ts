import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { progressOf } from "../../src/api/progress";
import { TEST_TOKENS } from "../tokens";
import { api, runBackup, seedWithEdgeCases, env } from "./helpers";

describe("restore progress", () => {
  it("percent, throughput and ETA come from the stage the workflow records", () => {
    const started_at = new Date(Date.now() - 10_000).toISOString();
    const load = progressOf("restore", {
      status: "running",
      stage: "load",
      progress: JSON.stringify({ chunks_loaded: 5, chunks_total: 10, rows_total: 100_000 }),
      started_at,
    });
    expect(load.percent).toBe(25.5);
    expect(load.done).toBe(50_000);
    expect(load.unit).toBe("rows");
    expect(load.throughput).toBeGreaterThan(4_000);
    expect(load.eta_seconds).toBeGreaterThan(25);
    expect(load.eta_seconds).toBeLessThan(35);
    const assets = progressOf("restore", {
      status: "running",
      stage: "restore objects",
      progress: JSON.stringify({ objects: 3, bytes: 50, bytes_total: 100, objects_total: 6 }),
      started_at,
    });
    expect(assets).toMatchObject({ percent: 50.5, unit: "bytes", done: 50, total: 100 });
    expect(progressOf("restore", { status: "completed", stage: "done", progress: null, started_at })).toMatchObject({
      percent: 100,
      eta_seconds: 0,
    });
    expect(progressOf("restore", { status: "failed", stage: "load", progress: null, started_at }).percent).toBeNull();
    const backup = progressOf("backup", {
      status: "running",
      step: "export 2",
      progress: JSON.stringify({ tables_done: 4, tables_total: 8, rows: 1000 }),
      started_at,
    });
    expect(backup.percent).toBe(41);
  });

  it("GET /admin/restore/{id}/events streams the status as Server-Sent Events until the restore ends", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 60);
    const b = await runBackup();
    const started = await api("POST", "/admin/backup/restore", { body: { backup_id: b.backup_id, target_environment: "test" } });
    const res = await (exports as any).default.fetch(
      new Request(`http://vaultline.test/admin/restore/${started.json.restore_id}/events`, {
        headers: { authorization: `Bearer ${TEST_TOKENS.viewer.token}` },
      }),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const text = await res.text();
    const events = [...text.matchAll(/event: (\w+)\ndata: (.*)\n/g)].map((m) => ({ event: m[1], data: JSON.parse(m[2]!) }));
    expect(events.at(-1)).toEqual({ event: "end", data: { status: "completed", terminal: true } });
    const statuses = events.filter((e) => e.event === "status").map((e) => e.data);
    expect(statuses.length).toBeGreaterThanOrEqual(1);
    expect(statuses.at(-1)).toMatchObject({ status: "completed", percent: 100, restore_id: started.json.restore_id });
    expect(statuses.at(-1).log.length).toBeGreaterThan(0);
  });
});
