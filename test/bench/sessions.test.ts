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
import { feedShipper } from "../../src/capture/shipper-object";
import type { SessionObject } from "../../examples/demo-provider/src/session-object";

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

it("session change feed: the cost per write, and a ship", async () => {
  await applyD1Migrations(e.CATALOG_DB, e.CATALOG_MIGRATIONS);
  await applyD1Migrations(e.OIDC_DB, e.OIDC_MIGRATIONS);
  const stub = (name: string) => e.SESSIONS.get(e.SESSIONS.idFromName(name)) as unknown as DurableObjectStub<SessionObject>;
  const session = (i: number) => ({
    id: `feed-${i}`,
    user_id: i,
    data: { ua: "bench/1.0", amr: ["pwd"] },
    expires_at: Date.now() + 3_600_000,
  });
  // Writes per second through the objects' RPC, `writers` at a time, each writer on its own object in turn.
  async function rate(objects: string[], writesPerObject: number, captured: boolean): Promise<number> {
    const t = performance.now();
    await Promise.all(
      objects.map(async (name) => {
        const s = stub(name);
        for (let k = 0; k < writesPerObject; k++)
          await (captured ? s.putSession(name, session(k)) : s.putSessionUncaptured(name, session(k)));
      }),
    );
    return (objects.length * writesPerObject) / ((performance.now() - t) / 1000);
  }
  const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(4, "0")}`);

  // Hot objects: many writes each between two ships (what a sign-in-heavy object sees): one mark per object.
  const hot = names("hot", 20);
  await rate(hot, 5, false); // registered and warm before either is measured
  const hotOff = await rate(hot, 200, false);
  const hotOn = await rate(hot, 200, true);
  const hotOff2 = await rate(hot, 200, false);
  // Cold objects: one write each after a ship (the worst case): every write marks its object, one D1 write.
  const coldA = names("cold-a", 400);
  const coldB = names("cold-b", 400);
  await rate(coldA, 1, false);
  await rate(coldB, 1, false);
  await feedShipper(e, "sessions").shipSessions(); // nothing marked on coldA/coldB yet: their marks come next
  const coldOff = await rate(coldA, 1, false);
  const coldOn = await rate(coldB, 1, true);

  let t = performance.now();
  const shipped = await feedShipper(e, "sessions").shipSessions();
  const shipMs = performance.now() - t;
  t = performance.now();
  await feedShipper(e, "sessions").shipSessions();
  const idleMs = performance.now() - t;
  const off = (hotOff + hotOff2) / 2;
  console.log(
    `\n${[
      `== session change feed: cost per write (writes through the objects' RPC, 20 at a time)`,
      `hot objects (20 objects x 200 writes): captured ${Math.round(hotOn)}/s, uncaptured ${Math.round(off)}/s   ratio ${(hotOn / off).toFixed(2)}   target >= 0.9`,
      `cold objects (400 objects x 1 write, each marks): captured ${Math.round(coldOn)}/s, uncaptured ${Math.round(coldOff)}/s   ratio ${(coldOn / coldOff).toFixed(2)}   (worst case)`,
      `ship of ${shipped.objects} marked objects: ${(shipMs / 1000).toFixed(2)} s, ${shipped.segments} segment(s); an idle run ${(idleMs / 1000).toFixed(2)} s`,
      `== end`,
    ].join("\n")}\n`,
  );
});
