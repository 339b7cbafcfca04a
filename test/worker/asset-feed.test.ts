// The asset change feed (issue 17, item 2; docs/RESTORE.md, "Files, continuously"): a listing comparison each run (and
// R2 event notifications, where the platform delivers them) ships a changed or deleted object within a run as a sealed
// segment naming its parts, and an asset restore to an instant carries its base backup forward with them.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { feedShipper } from "../../src/capture/shipper-object";
import { api, backupOfType, env, runRetention, restoreToInstant } from "./helpers";

const tick = () => new Promise((r) => setTimeout(r, 1100));
const ship = () => feedShipper(env, "assets").shipAssets();
const text = async (bucket: R2Bucket, key: string) => (await bucket.get(key))?.text() ?? null;

const restoreTo = (at: string) => restoreToInstant(at, ["assets"]);

describe("asset change feed", () => {
  it("restores a file overwritten twice to each version by instant, and a file deleted after the backup", async () => {
    await env.ASSETS_BUCKET.put("files/report.txt", "version 1");
    await env.ASSETS_BUCKET.put("files/old.txt", "to be deleted");
    // The first run only records what the bucket holds; the feed starts at its end.
    expect(await ship()).toMatchObject({ seeding: false, copied: 0, segments: 1 });
    await tick();
    const base = await backupOfType("assets");
    await tick(); // coverage trails a run's start by a second (the clock margin)

    await env.ASSETS_BUCKET.put("files/report.txt", "version 2");
    expect(await ship()).toMatchObject({ copied: 1, deleted: 0 });
    await tick();
    const at1 = new Date().toISOString();
    await tick();
    await env.ASSETS_BUCKET.put("files/report.txt", "version 3");
    await env.ASSETS_BUCKET.delete("files/old.txt");
    await env.ASSETS_BUCKET.put("files/new.txt", "created after the backup");
    expect(await ship()).toMatchObject({ copied: 2, deleted: 1 });
    expect(await ship(), "nothing changed since: nothing shipped").toMatchObject({ copied: 0, deleted: 0, segments: 0 });
    await tick();
    const at2 = new Date().toISOString();

    const points = (await api("GET", "/admin/backup/restore-points?component=assets")).json;
    expect(points.feed).toMatchObject({ from: base.completed_at, base_backup_id: base.backup_id });
    expect(points.rpo_seconds).toBeLessThan(60);

    const one = await restoreTo(at1);
    expect(one.started.instants[0]).toMatchObject({ component: "assets", backup_id: base.backup_id, exact: false });
    expect(Date.parse(one.started.instants[0].reached)).toBeGreaterThan(Date.parse(base.completed_at));
    expect(one.started.instants[0].skew_seconds).toBeLessThanOrEqual(5);
    expect(await text(env.RESTORE_TARGET_BUCKET, "files/report.txt")).toBe("version 2");
    expect(await text(env.RESTORE_TARGET_BUCKET, "files/old.txt")).toBe("to be deleted");
    expect(await text(env.RESTORE_TARGET_BUCKET, "files/new.txt")).toBeNull();

    const two = await restoreTo(at2);
    expect(await text(env.RESTORE_TARGET_BUCKET, "files/report.txt")).toBe("version 3");
    expect(await text(env.RESTORE_TARGET_BUCKET, "files/old.txt"), "deleted before the instant").toBeNull();
    expect(await text(env.RESTORE_TARGET_BUCKET, "files/new.txt")).toBe("created after the backup");
    expect(two.done.instant.skew_seconds).toBeLessThanOrEqual(5);
    expect(JSON.stringify(two.done.log)).toMatch(/carried forward by the asset change feed/);

    // Retention's mark keeps the parts only the feed names (version 2's): two prunes (fossils, then their deletion)
    // leave it restorable.
    for (let i = 0; i < 2; i++) {
      const run = await runRetention();
      expect(run.status, JSON.stringify(run)).toBe("completed");
      expect(run.report.marked.feed_segments).toBeGreaterThanOrEqual(3);
    }
    await env.RESTORE_TARGET_BUCKET.delete("files/report.txt");
    await restoreTo(at1);
    expect(await text(env.RESTORE_TARGET_BUCKET, "files/report.txt")).toBe("version 2");
  });

  it("R2 event notifications name keys the next run compares first; messages that are not events are dropped, not retried", async () => {
    await env.ASSETS_BUCKET.put("events/a.txt", "one");
    await ship(); // the feed's first pass
    await env.ASSETS_BUCKET.put("events/a.txt", "two");
    const batch = createMessageBatch("vaultline-asset-events", [
      {
        id: "m1",
        timestamp: new Date(),
        attempts: 1,
        body: {
          account: "acc",
          action: "PutObject",
          bucket: "oidc-assets",
          object: { key: "events/a.txt", size: 3, eTag: "x" },
          eventTime: new Date().toISOString(),
        },
      },
      { id: "m2", timestamp: new Date(), attempts: 1, body: { hello: "not an event" } },
    ]);
    const ctx = createExecutionContext();
    await (worker.queue as (b: MessageBatch<unknown>, e: unknown, c: ExecutionContext) => Promise<void>)(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.ackAll).toBe(true);
    expect(result.retryBatch.retry).toBe(false);
    expect(result.retryMessages).toEqual([]);
    expect(await env.CATALOG_DB.prepare("SELECT key FROM asset_marks").all()).toMatchObject({ results: [{ key: "events/a.txt" }] });

    const r = await ship();
    expect(r).toMatchObject({ from_events: 1, copied: 1 });
    expect(await env.CATALOG_DB.prepare("SELECT count(*) AS n FROM asset_marks").first("n")).toBe(0);
  });
});
