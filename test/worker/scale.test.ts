import { introspectWorkflow } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, env, runRestore, snapshot, waitFor } from "./helpers";

describe("within the platform's step limits", () => {
  it("a 200-table database backs up in a handful of steps with small step results, and restores exactly", async () => {
    const db = env.OIDC_DB;
    const ddl = Array.from({ length: 200 }, (_, i) =>
      db.prepare(
        i % 3 === 0
          ? `CREATE TABLE "t ${i}" (a INTEGER NOT NULL, b TEXT NOT NULL, c BLOB, PRIMARY KEY (a, b)) WITHOUT ROWID`
          : `CREATE TABLE "t ${i}" (id INTEGER PRIMARY KEY, "quoted ""name""" TEXT, v REAL)`,
      ),
    );
    await db.batch(ddl);
    const rows = Array.from({ length: 200 }, (_, i) =>
      db.prepare(
        i % 3 === 0
          ? `INSERT INTO "t ${i}" VALUES (1, 'x', X'01'), (2, 'y', NULL), (${i}, 'z${i}', X'ff')`
          : `INSERT INTO "t ${i}" VALUES (1, 'a''b', 0.5), (2, NULL, ${i}.25)`,
      ),
    );
    await db.batch(rows);
    const source = await snapshot(db);

    await using wf = await introspectWorkflow(env.FULL_DATABASE_BACKUP);
    const id = (await api("POST", "/admin/backup/create", { body: { type: "full" } })).json.backup_id;
    const [instance] = await wf.get();
    const schemaStep = await instance!.waitForStepResult({ name: "snapshot schema" });
    const exportStep = await instance!.waitForStepResult({ name: "export 1" });
    const done = await waitFor(
      async () => (await api("GET", `/admin/backup/${id}`)).json,
      (b) => b.status === "completed" || b.status === "failed",
    );
    expect(done.status, JSON.stringify(done.error)).toBe("completed");
    expect(done.manifest.tables).toBeGreaterThanOrEqual(200);

    // Small tables share export steps: one step here, and every step result far under the 1 MiB limit.
    expect(done.current_step).toBe("done");
    expect(JSON.stringify(schemaStep).length).toBeLessThan(256 * 1024);
    expect(JSON.stringify(exportStep).length).toBeLessThan(256 * 1024);
    expect((exportStep as { next: unknown }).next).toBeNull();

    const restore = await runRestore(id, "test");
    expect(restore.status, JSON.stringify(restore.error)).toBe("completed");
    expect(await snapshot(env.RESTORE_TARGET_DB)).toEqual(source);
  });

  it("a table larger than one export step is split across steps that resume at chunk boundaries", async () => {
    const db = env.OIDC_DB;
    await db.prepare(`CREATE TABLE big (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)`).run();
    // About 20 MB of rows: with the tests' 8 MiB export steps (vitest.config.ts) this takes three steps or more.
    const filler = "p".repeat(2000);
    for (let b = 0; b < 10; b++) {
      await db.batch(
        Array.from({ length: 40 }, (_, s) => {
          const base = b * 1000 + s * 25; // 25 rows of 2 kB: under D1's 100 kB statement limit
          return db.prepare(
            `INSERT INTO big VALUES ${Array.from({ length: 25 }, (_, k) => `(${base + k}, '${filler}${base + k}')`).join(",")}`,
          );
        }),
      );
    }
    const source = await snapshot(db);
    await using wf = await introspectWorkflow(env.FULL_DATABASE_BACKUP);
    const id = (await api("POST", "/admin/backup/create", { body: { type: "full" } })).json.backup_id;
    const [instance] = await wf.get();
    const first = (await instance!.waitForStepResult({ name: "export 1" })) as {
      next: { table: number; after: string[] } | null;
      rows: number;
    };
    const done = await waitFor(
      async () => (await api("GET", `/admin/backup/${id}`)).json,
      (b) => b.status === "completed" || b.status === "failed",
    );
    expect(done.status).toBe("completed");
    // export 1 stopped inside the big table, at a cursor, after whole chunks.
    expect(first.next).not.toBeNull();
    expect(first.next!.after).toHaveLength(1);
    expect(first.rows).toBeLessThan(10_000);
    const restore = await runRestore(id, "test");
    expect(restore.status).toBe("completed");
    expect(await snapshot(env.RESTORE_TARGET_DB)).toEqual(source);
  });
});
