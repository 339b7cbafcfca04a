import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startDev, type DevServer } from "../../scripts/lib/dev-server.ts";
import { applyLocalMigrations, ensureDevVars } from "../../scripts/lib/local-setup.ts";
import { seed } from "../../scripts/seed.ts";
import { waitFor } from "../shared/wait.ts";

const until = <T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number) => waitFor(read, ok, timeoutMs, 50);

const ADMIN = { authorization: "Bearer vl-demo-admin", "content-type": "application/json" };
const PORT = 8811;

async function get(dev: DevServer, path: string) {
  const r = await fetch(`${dev.url}${path}`, { headers: ADMIN });
  return r.json() as Promise<any>;
}
function countFiles(path: string): number {
  if (!existsSync(path)) return 0;
  return readdirSync(path, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length;
}

describe("a backup survives the local runtime being killed mid-run", () => {
  const dir = mkdtempSync(join(process.cwd(), ".e2e-"));
  let dev: DevServer | undefined;
  afterAll(async () => {
    await dev?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("kill -9 during the export; after the next start the watchdog restarts it and it completes and restores exactly", async () => {
    ensureDevVars();
    applyLocalMigrations(dir);
    // 100k users: auth_events alone is 1,000,000 rows, and the export spans several 64 MiB steps.
    const seeded = await seed({ users: 100_000, reset: false, persistTo: dir, quiet: true });
    expect(seeded).not.toBeNull();

    // The watchdog may restart anything that has not moved for 0 minutes: in this test, time is short.
    const vars = { WATCHDOG_STALE_MINUTES: "0" };
    dev = await startDev({ port: PORT, persistTo: dir, vars });
    // Locally the Workflow runs in the Worker's own isolate, and its CPU-bound steps hold up the API's answers
    // (the create call itself answers late). So the test does not wait on the API here: it fires the create,
    // watches the R2 blobs appear on disk, and kills the runtime once about a fifth of the ~90 chunks are stored.
    const creating = fetch(`${dev.url}/admin/backup/create`, { method: "POST", headers: ADMIN, body: '{"type":"full_database"}' }).catch(
      () => null,
    );
    await until(
      async () => countFiles(join(dir, "v3", "r2")),
      (n) => n >= 20,
      300_000,
    );
    const filesAtKill = countFiles(join(dir, "v3", "r2"));
    await dev.kill9();
    await creating;
    dev = await startDev({ port: PORT, persistTo: dir, vars });
    const listed = await get(dev, "/admin/backup/list");
    expect(listed.total).toBe(1);
    const id = listed.backups[0].backup_id as string;
    const stuck = await get(dev, `/admin/backup/${id}`);
    expect(stuck.status).toBe("running"); // the killed run never recorded an outcome
    console.log(`killed with ${filesAtKill} R2 files on disk, at step "${stuck.current_step}"`);

    // The cron's watchdog (as `npm start` fires it locally) restarts the instance.
    const fired = await fetch(`${dev.url}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent("*/5 * * * *")}`);
    expect(fired.status).toBe(200);
    const done = await until(
      () => get(dev!, `/admin/backup/${id}`),
      (b) => b.status === "completed" || b.status === "failed",
      600_000,
    );
    expect(done.status, JSON.stringify(done.error)).toBe("completed");
    expect(done.restarts).toBeGreaterThanOrEqual(1);
    // Chunks uploaded before the kill were not uploaded again.
    expect(done.manifest.new_chunks).toBeLessThan(done.manifest.chunks);

    // And it is a good backup: a restore into the test target verifies every table against the manifest.
    const restore: any = await (
      await fetch(`${dev.url}/admin/backup/restore`, {
        method: "POST",
        headers: ADMIN,
        body: JSON.stringify({ backup_id: id, target_environment: "test" }),
      })
    ).json();
    const restored = await until(
      () => get(dev!, `/admin/restore/${restore.restore_id}`),
      (r) => r.status === "completed" || r.status === "failed",
      600_000,
    );
    expect(restored.status, JSON.stringify(restored.error)).toBe("completed");
    expect(restored.rows).toBe(done.manifest.rows);
    // Every seeded row, plus d1_migrations' one row per migration applied.
    const migrations = readdirSync("examples/demo-provider/migrations").filter((f) => f.endsWith(".sql")).length;
    expect(done.manifest.rows).toBe(seeded!.rows + migrations);
  });
});
