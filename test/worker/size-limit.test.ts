// A database over half of D1's size cap (issue 18, item 3): an in-place restore would stage it next to what the
// target holds and cannot fit, so it is refused before anything runs; restored table by table into a fresh database
// (docs/runbooks/large-database.md), each restore stages one table and fits. The cap is simulated: 64 MiB here
// (vitest.config.ts, D1_SIZE_LIMIT_BYTES), where local D1 enforces none.
import { describe, expect, it } from "vitest";
import { api, env, migrate, restoreToTest, runBackup, userSnapshot } from "./helpers";

/** About `mb` MB of rows in a table of its own, written in statements under D1's 100 kB limit. */
async function bigTable(db: D1Database, name: string, mb: number) {
  await db.prepare(`CREATE TABLE ${name} (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)`).run();
  const filler = "q".repeat(2000);
  const rows = Math.ceil((mb * 1e6) / 2000);
  for (let b = 0; b * 1000 < rows; b++) {
    await db.batch(
      Array.from({ length: 40 }, (_, s) => {
        const base = b * 1000 + s * 25;
        return db.prepare(
          `INSERT INTO ${name} VALUES ${Array.from({ length: 25 }, (_, k) => `(${base + k}, '${filler}${base + k}')`).join(",")}`,
        );
      }),
    );
  }
}

describe("a database over half of D1's size cap", () => {
  it("is refused in place with the reason, and restores table by table into a fresh database exactly", async () => {
    await bigTable(env.OIDC_DB, "big_a", 20);
    await bigTable(env.OIDC_DB, "big_b", 20);
    const source = await userSnapshot(env.OIDC_DB);
    const backup = await runBackup();
    expect(backup.status, JSON.stringify(backup.error)).toBe("completed");

    // In place: 0 MB held + 2 x ~41 MB staged and restored > 64 MiB. Nothing starts.
    const whole = await api("POST", "/admin/backup/restore", { body: { backup_id: backup.backup_id, target_environment: "test" } });
    expect(whole.status).toBe(422);
    expect(whole.json.error).toMatchObject({ code: "exceeds_database_size_limit", field: "database" });
    expect(whole.json.error.message).toMatch(
      /needs about \d+ MB at its peak .* D1 allows 67 MB \(D1_SIZE_LIMIT_BYTES\)\. Restore it table by table/,
    );
    expect(await env.CATALOG_DB.prepare("SELECT count(*) AS n FROM restores").first("n")).toBe(0);

    // The runbook: the provider's schema in the fresh database, then one table (or a few small ones) at a time.
    await migrate(env.RESTORE_TARGET_DB);
    for (const t of ["big_a", "big_b"])
      await env.RESTORE_TARGET_DB.prepare(`CREATE TABLE ${t} (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)`).run();
    const { results } = await env.OIDC_DB.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE '_vaultline_%' AND name NOT IN ('big_a', 'big_b', 'd1_migrations')",
    ).all<{ name: string }>();
    for (const tables of [["big_a"], ["big_b"], results.map((r) => r.name)]) {
      const { started, done } = await restoreToTest({ backup_id: backup.backup_id, database: { tables } });
      expect(started.status, JSON.stringify(started.json)).toBe(202);
      expect(done.status, `${tables.join(",")}: ${JSON.stringify(done.error)}`).toBe("completed");
    }
    const restored = await userSnapshot(env.RESTORE_TARGET_DB);
    for (const t of ["big_a", "big_b", ...results.map((r) => r.name)]) expect(restored.tables[t], t).toEqual(source.tables[t]);
  });
});
