// Restore within D1's limits (issue 18): the full restore's swap is many bounded D1 calls instead of one batch that
// grows with the database, and a failure between any two of them leaves the target exactly as it was: the swap is
// rolled back from its journal, SQL text, rowids and AUTOINCREMENT counters included.
import { describe, expect, it } from "vitest";
import { openDatabaseManifest } from "../../src/repo/open";
import { loadChunks } from "../../src/restore/load";
import { createStaging, stageName } from "../../src/restore/staging";
import { beginSwap, cleanUpSwap, completeSwap, fillSwap, rollbackSwap } from "../../src/restore/swap";
import type { SwapOptions } from "../../src/restore/swap-calls";
import { env, migrate, runBackup, seedWithEdgeCases, snapshot, userTables } from "./helpers";

/** Small slices, so even a small database takes many calls. */
const SMALL: SwapOptions = { callRows: 9 };

/** The D1 binding, failing the `n`-th batch (every call of a swap that writes is a batch) before it reaches D1. */
function failingAt(db: D1Database, n: number): { db: D1Database; batches: () => number } {
  let count = 0;
  const wrapped = new Proxy(db, {
    get(target, prop) {
      if (prop === "batch") {
        return async (statements: D1PreparedStatement[]) => {
          count++;
          if (count === n) throw new Error(`injected: D1 went away before call ${n}`);
          return target.batch(statements);
        };
      }
      const v = Reflect.get(target, prop);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  return { db: wrapped, batches: () => count };
}

/** A table whose rows refer to rows after them: slices of it cannot commit on their own. */
async function addForwardReferences(db: D1Database): Promise<void> {
  await db.batch([
    db.prepare("CREATE TABLE nodes (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES nodes(id), label TEXT)"),
    // No rowid to slice by: a rollback rebuilds it in one call.
    db.prepare("CREATE TABLE settings (k TEXT PRIMARY KEY, v) WITHOUT ROWID"),
    db.prepare("INSERT INTO settings VALUES ('a', 1), ('b', x'00ff'), ('c', 'three')"),
    db.prepare("PRAGMA defer_foreign_keys = ON"),
    ...Array.from({ length: 20 }, (_, i) =>
      db.prepare("INSERT INTO nodes VALUES (?, ?, ?)").bind(i + 1, i < 19 ? 20 - i : null, `node ${i + 1}`),
    ),
  ]);
}

async function swapAll(db: D1Database, id: string, schema: Parameters<typeof beginSwap>[2]): Promise<string[]> {
  await beginSwap(db, id, schema, SMALL);
  while (!(await fillSwap(db, id, { ...SMALL, maxCalls: 5 })).done);
  return (await completeSwap(db, id)).whole ?? [];
}

async function rollBackAll(db: D1Database, id: string): Promise<void> {
  while (!(await rollbackSwap(db, id, { ...SMALL, maxCalls: 5 })).done);
  while (!(await cleanUpSwap(db, id, { maxCalls: 3 })).done);
}

describe("the bounded swap", () => {
  it("a failure between any two of its calls, and then in its rollback, leaves the target exactly as it was", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 20);
    await addForwardReferences(env.OIDC_DB);
    const backup = await runBackup();
    expect(backup.status).toBe("completed");
    const source = await snapshot(env.OIDC_DB);
    const target = env.RESTORE_TARGET_DB;
    await migrate(target);
    await seedWithEdgeCases(target, 8);
    await addForwardReferences(target);
    // Different data, a stray table, and an explicit index the backup does not have.
    await target.batch([
      target.prepare("CREATE TABLE stray (x INTEGER PRIMARY KEY, y)"),
      target.prepare("INSERT INTO stray VALUES (1, 'kept by a rollback')"),
      target.prepare("CREATE INDEX stray_y ON stray (y)"),
    ]);
    const before = await snapshot(target);
    const { repo, manifest } = await openDatabaseManifest(env, backup.backup_id);
    const stage = async (id: string) => {
      await createStaging(target, id, manifest.schema.tables);
      await loadChunks(
        target,
        repo,
        manifest.tables.flatMap((t, ti) => t.chunks.map((_, ci) => ({ stage: stageName(id, ti), table: t, chunkIndex: ci }))),
      );
    };

    // A failure before call n, for n = 1, 2, ... until the swap makes fewer than n calls and completes.
    let calls = 0;
    let whole: string[] = [];
    for (let n = 1; ; n++) {
      const id = `rs_fail_${n}`;
      await stage(id);
      const f = failingAt(target, n);
      const failed = await swapAll(f.db, id, manifest.schema).then(
        (w) => {
          whole = w;
          return false;
        },
        (e: Error) => {
          expect(e.message).toContain(`injected: D1 went away before call ${n}`);
          return true;
        },
      );
      if (!failed) {
        calls = f.batches();
        break;
      }
      await rollBackAll(target, id);
      expect(await snapshot(target), `failure before call ${n}`).toEqual(before);
      expect((await userTables(target)).filter((t) => t.startsWith("_vaultline_"))).toEqual([]);
    }
    // Many bounded calls (not one batch); undisturbed, the target is the backup.
    expect(calls).toBeGreaterThan(30);
    expect(whole).toEqual(["nodes"]); // its rows refer forward: the table went in one call, the rest in slices
    const done = `rs_fail_${calls + 1}`;
    // A completed swap is not rolled back in place (a production restore rolls back from its safety backup).
    await expect(rollbackSwap(target, done)).rejects.toThrow(/completed; it cannot be rolled back/);
    while (!(await cleanUpSwap(target, done, { maxCalls: 3 })).done);
    expect(await snapshot(target)).toEqual(source);
  });

  it("a rollback interrupted between any two of its calls resumes and still ends exactly where the target began", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 20);
    await addForwardReferences(env.OIDC_DB);
    const backup = await runBackup();
    const target = env.RESTORE_TARGET_DB;
    await migrate(target);
    await seedWithEdgeCases(target, 6);
    await addForwardReferences(target);
    const before = await snapshot(target);
    const { repo, manifest } = await openDatabaseManifest(env, backup.backup_id);
    for (let m = 1; ; m++) {
      const id = `rs_back_${m}`;
      await createStaging(target, id, manifest.schema.tables);
      await loadChunks(
        target,
        repo,
        manifest.tables.flatMap((t, ti) => t.chunks.map((_, ci) => ({ stage: stageName(id, ti), table: t, chunkIndex: ci }))),
      );
      // The swap stops halfway through its rows (call 12), then its rollback stops before its call m.
      await expect(swapAll(failingAt(target, 12).db, id, manifest.schema)).rejects.toThrow(/injected/);
      const f = failingAt(target, m);
      const interrupted = await rollBackAll(f.db, id).then(
        () => false,
        () => true,
      );
      if (interrupted) await rollBackAll(target, id); // the retry: resumes from the journal
      expect(await snapshot(target), `rollback interrupted before its call ${m}`).toEqual(before);
      expect((await userTables(target)).filter((t) => t.startsWith("_vaultline_"))).toEqual([]);
      if (!interrupted) {
        expect(m).toBeGreaterThan(10); // the rollback, too, is many bounded calls
        break;
      }
    }
  });

  it("a table referring to itself is copied with a lookup index on its child column, gone before the backup's indexes", async () => {
    // Without it, a pending violation makes SQLite scan the table for the children of every row it inserts: a copy
    // of a self-referencing table whose parents sit after their children (as after a replay of updates) is quadratic.
    await seedWithEdgeCases(env.OIDC_DB, 10);
    await addForwardReferences(env.OIDC_DB);
    const backup = await runBackup();
    const target = env.RESTORE_TARGET_DB;
    await migrate(target);
    const { repo, manifest } = await openDatabaseManifest(env, backup.backup_id);
    const id = "rs_lookup";
    await createStaging(target, id, manifest.schema.tables);
    await loadChunks(
      target,
      repo,
      manifest.tables.flatMap((t, ti) => t.chunks.map((_, ci) => ({ stage: stageName(id, ti), table: t, chunkIndex: ci }))),
    );
    // Every statement the swap prepares, in order.
    const sql: string[] = [];
    const recording = new Proxy(target, {
      get(t, prop) {
        if (prop === "prepare")
          return (q: string) => {
            sql.push(q);
            return t.prepare(q);
          };
        const v = Reflect.get(t, prop);
        return typeof v === "function" ? v.bind(t) : v;
      },
    });
    await swapAll(recording, id, manifest.schema);
    const at = (re: RegExp) => sql.findIndex((q) => re.test(q));
    const create = at(/^CREATE INDEX IF NOT EXISTS "_vaultline_fk_nodes_0" ON "nodes" \("parent"\)/);
    const copy = at(/^INSERT INTO "nodes"/);
    const drop = at(/^DROP INDEX IF EXISTS "_vaultline_fk_nodes_0"/);
    expect(create, "the lookup index is made before the rows").toBeGreaterThanOrEqual(0);
    expect(copy).toBeGreaterThan(create);
    expect(drop, "and dropped after them").toBeGreaterThan(copy);
    expect(
      sql.findIndex((q, i) => i > drop && /^CREATE (UNIQUE )?INDEX (?!IF NOT EXISTS "_vaultline_)/.test(q)),
      "before the backup's own",
    ).toBeGreaterThan(drop);
    const left = await target.prepare("SELECT name FROM sqlite_master WHERE name LIKE '\\_vaultline\\_fk\\_%' ESCAPE '\\'").all();
    expect(left.results).toEqual([]);
  });
});
