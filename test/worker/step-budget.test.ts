// Workflow limits as checks (issue 18): how a database restore's steps grow with the data and the change log, the
// platform's 10,000 steps per instance as a refusal before anything runs, and a long change log replayed in few steps.
import { describe, expect, it } from "vitest";
import { DEFAULT_STEP_LIMIT, databaseRestoreSteps, REPLAY_SEGMENTS_PER_STEP } from "../../src/workflow-kit/step-budget";
import { api, env, restoreToTest, runBackup, seedWithEdgeCases, userSnapshot } from "./helpers";

const MB = 1 << 20;
/** The shape of a database of `bytes` of rows in ~2 MB chunks (the bench's: 224 MB, 1.46M rows, 8 tables). */
const shape = (bytes: number, segments = 0) => ({ chunks: Math.ceil(bytes / (2 * MB)), raw_bytes: bytes, tables: 8, segments });

describe("a database restore's steps", () => {
  it("grow linearly with the data and the change log, and stay far under the platform's limit at D1's 10 GB cap with a day of changes", () => {
    const at100k = databaseRestoreSteps(shape(224 * MB));
    const at1m = databaseRestoreSteps(shape(2240 * MB));
    expect(at1m / at100k).toBeLessThanOrEqual(11);
    // A day of changes shipped every 2 s (the default) is 43,200 segments: one step each would be four times the
    // limit by itself. A week of them after the base still fits.
    const day = 43_200;
    const cap = databaseRestoreSteps(shape(10_240 * MB, day));
    expect(cap).toBeLessThan(DEFAULT_STEP_LIMIT / 5);
    expect(databaseRestoreSteps(shape(10_240 * MB, 7 * day))).toBeLessThan(DEFAULT_STEP_LIMIT);
    expect(Math.ceil(day / REPLAY_SEGMENTS_PER_STEP)).toBeLessThan(day / 40);
  });

  it("a plan over the limit is refused before anything starts (422 over_step_limit, naming the count and the setting)", async () => {
    // A catalog row standing for a 2 TB database (more than D1 holds, as a catalog pointing at one would say).
    const now = new Date().toISOString();
    await env.CATALOG_DB.prepare(
      `INSERT INTO backups (id, type, components, status, requested_by, trigger, created_at, updated_at, completed_at, rows, raw_bytes, chunks, tables)
       VALUES ('bk_20260101T000000Z_huge0001', 'full_database', '["database"]', 'completed', 'x', 'api', ?, ?, ?, 1, ?, ?, 8)`,
    )
      .bind(now, now, now, 2048 * 1024 * MB, 1_048_576)
      .run();
    const r = await api("POST", "/admin/backup/restore", {
      body: { backup_id: "bk_20260101T000000Z_huge0001", target_environment: "test" },
    });
    expect(r.status).toBe(422);
    expect(r.json.error.code).toBe("over_step_limit");
    expect(r.json.error.message).toMatch(
      /needs about \d+ workflow steps; this deployment allows 10000 per instance \(WORKFLOW_STEP_LIMIT\)/,
    );
    expect(await env.CATALOG_DB.prepare("SELECT count(*) AS n FROM restores").first("n")).toBe(0);
  });

  it("replays a long change log several segments a step, exactly", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 10);
    expect((await api("POST", "/admin/capture/install")).status).toBe(200);
    await runBackup();
    for (let i = 0; i < 60; i++) {
      await env.OIDC_DB.prepare("UPDATE users SET name = ? WHERE id = 1").bind(`change ${i}`).run();
      expect((await api("POST", "/admin/capture/ship")).status).toBe(200);
    }
    // Past the shipper's commit margin, so the latest covered instant is after the last change.
    await new Promise((r) => setTimeout(r, 1100));
    expect((await api("POST", "/admin/capture/ship")).status).toBe(200);
    const source = await userSnapshot(env.OIDC_DB);
    const points = (await api("GET", "/admin/backup/restore-points")).json;
    const { started, done } = await restoreToTest({ target_timestamp: points.latest });
    expect(started.status, JSON.stringify(started.json)).toBe(202);
    expect(done.status, JSON.stringify(done.error)).toBe("completed");
    expect(await userSnapshot(env.RESTORE_TARGET_DB)).toEqual(source);
    const note = done.log.map((l: { message: string }) => l.message).find((m: string) => m.startsWith("applied "));
    const [, segments, steps] = /from (\d+) segment\(s\) of the change log in (\d+) step\(s\)/.exec(note)!;
    expect(Number(segments)).toBeGreaterThanOrEqual(60);
    expect(Number(steps)).toBe(Math.ceil(Number(segments) / REPLAY_SEGMENTS_PER_STEP));
  });
});
