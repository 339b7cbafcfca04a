// Attack: delete the key wraps (`keys/`, not under a bucket lock because retiring a master key deletes wraps), and
// every backup becomes unreadable. Defence: every day the cron copies each wrap to `keys-archive/<day>/`
// (src/repo/key-objects.ts archiveWraps), a prefix `npm run provision` locks for the retention period; a data key
// whose wraps are gone opens from the newest dated copy.
import { describe, expect, it } from "vitest";
import worker from "../../../src/index";
import { Layout } from "../../../src/repo/layout";
import { openRepository } from "../../../src/repo/open";
import { api, env, runBackup, seedWithEdgeCases, waitFor } from "../helpers";

const pending: Promise<unknown>[] = [];
const ctx = { waitUntil: (p: Promise<unknown>) => pending.push(p), passThroughOnException() {}, props: {} } as unknown as ExecutionContext;
const list = async (prefix: string) => (await env.BACKUP_BUCKET.list({ prefix })).objects.map((o) => o.key);

describe("attack: deleting the key wraps", () => {
  it("the day's locked copy made by the cron opens the repository after every wrap under keys/ is gone; without it, a clear error", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 10);
    const b = await runBackup();
    // Any cron run makes the day's copy once (the every-five-minutes one here).
    await worker.scheduled!({ cron: "*/5 * * * *", scheduledTime: Date.now(), noRetry() {} } as any, env as any, ctx);
    await Promise.all(pending);
    const day = new Date().toISOString().slice(0, 10);
    const wraps = await list("keys/");
    expect(wraps.length).toBeGreaterThan(0);
    expect((await list(`keys-archive/${day}/`)).filter((k) => k.endsWith(".json")).length).toBe(wraps.length);
    expect(await env.BACKUP_BUCKET.head(Layout.keyArchiveDone(day))).not.toBeNull();

    await env.BACKUP_BUCKET.delete(wraps);
    expect(await list("keys/")).toEqual([]);
    const repo = await openRepository(env);
    expect(repo.dataKey.id).toMatch(/^[0-9a-f]{32}$/);
    const started = await api("POST", "/admin/backup/restore", { body: { backup_id: b.backup_id, target_environment: "test" } });
    const done = await waitFor(
      async () => (await api("GET", `/admin/restore/${started.json.restore_id}`)).json,
      (r) => ["completed", "failed"].includes(r.status),
    );
    expect(done.status, JSON.stringify(done.error)).toBe("completed");

    // Without the archive (as before it existed), the same deletion leaves nothing that opens: named, not silent.
    await env.BACKUP_BUCKET.delete(await list("keys-archive/"));
    await expect(openRepository(env)).rejects.toThrow(
      /no master key held here opens this repository: its data key [0-9a-f]{32} is wrapped only by master key id\(s\) \(none found\)/,
    );
  });
});
