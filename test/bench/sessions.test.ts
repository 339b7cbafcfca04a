// Run by `npm run bench` (not by `npm test`): session backup and restore of 50,000 sessions across 500 Durable
// Objects, inside workerd.
import { applyD1Migrations, env } from "cloudflare:test";
import { it } from "vitest";
import { startBackup } from "../../src/backup/start";
import { getBackup } from "../../src/catalog/backups";
import { getRestore, insertRestore } from "../../src/catalog/restores";
import { seedSessions } from "../../examples/demo-provider/src/sessions";
import type { Env } from "../../src/env";
import { waitFor } from "../shared/wait";

const e = env as unknown as Env & {
  CATALOG_MIGRATIONS: Parameters<typeof applyD1Migrations>[1];
  OIDC_MIGRATIONS: Parameters<typeof applyD1Migrations>[1];
};

it("session backup and restore", async () => {
  await applyD1Migrations(e.CATALOG_DB, e.CATALOG_MIGRATIONS);
  await applyD1Migrations(e.OIDC_DB, e.OIDC_MIGRATIONS);
  const SESSIONS = 50_000;
  const OBJECTS = 500;
  let t = performance.now();
  await seedSessions(e, { sessions: SESSIONS, objects: OBJECTS });
  const seedMs = performance.now() - t;

  t = performance.now();
  const id = await startBackup(e, { type: "sessions", components: ["sessions"], requested_by: "bench", trigger: "api" });
  const b = await waitFor(
    () => getBackup(e.CATALOG_DB, id),
    (x) => x?.status === "completed" || x?.status === "failed",
    600_000,
    100,
  );
  const backupMs = performance.now() - t;
  if (b!.status !== "completed") throw new Error(`session backup failed: ${b!.error}`);

  t = performance.now();
  const second = await startBackup(e, { type: "sessions", components: ["sessions"], requested_by: "bench", trigger: "api" });
  const b2 = await waitFor(
    () => getBackup(e.CATALOG_DB, second),
    (x) => x?.status === "completed" || x?.status === "failed",
    600_000,
    100,
  );
  const secondMs = performance.now() - t;

  t = performance.now();
  const rid = "rs_bench_sessions";
  await insertRestore(e.CATALOG_DB, {
    id: rid,
    backup_id: id,
    components: ["sessions"],
    target_environment: "test",
    target_binding: "SESSIONS:sandbox:",
    requested_by: "bench",
  });
  await e.SESSION_RESTORE.create({
    id: rid,
    params: { restore_id: rid, backup_id: id, requested_by: "bench", skip_expired: false, name_prefix: "sandbox:" },
  });
  const r = await waitFor(
    () => getRestore(e.CATALOG_DB, rid),
    (x) => x?.status === "completed" || x?.status === "failed",
    600_000,
    100,
  );
  const restoreMs = performance.now() - t;
  if (r!.status !== "completed") throw new Error(`session restore failed: ${r!.error}`);

  const s = (ms: number) => (ms / 1000).toFixed(1);
  console.log(
    `\n${[
      `== sessions: ${SESSIONS} sessions (plus a code and token state each object) across ${OBJECTS} Durable Objects`,
      `seeded through the objects' RPC              ${s(seedMs)} s`,
      `session backup                              ${s(backupMs)} s   ${b!.rows} entries, ${(b!.stored_bytes! / 1e6).toFixed(1)} MB stored   target <= 10 s`,
      `session backup, unchanged second            ${s(secondMs)} s   ${b2!.new_chunks} new chunks`,
      `session restore into sandbox: objects       ${s(restoreMs)} s   ${r!.rows} entries written`,
      `== end`,
    ].join("\n")}\n`,
  );
});
