import { describe, expect, it } from "vitest";
import type { SessionObject } from "../../examples/demo-provider/src/session-object";
import { api, env, waitFor } from "./helpers";
import { waitRestore } from "./helpers";

const HOUR = 3_600_000;
const stub = (name: string) => env.SESSIONS.get(env.SESSIONS.idFromName(name)) as DurableObjectStub<SessionObject>;
const names = (n: number) => Array.from({ length: n }, (_, i) => `shard-${String(i).padStart(3, "0")}`);

async function seedSessions(count: number) {
  const now = Date.now();
  for (const [i, name] of names(count).entries()) {
    const s = stub(name);
    for (let k = 0; k < 5; k++) {
      await s.putSession(name, {
        id: `sess-${i}-${k}`,
        user_id: i * 10 + k,
        data: { ua: "Firefox", amr: ["pwd", "otp"], note: "ünïcode ✓" },
        expires_at: k === 0 ? now - HOUR : now + HOUR,
      });
    }
    await s.putCode(name, {
      code: `code-${i}`,
      client_id: "client-001",
      user_id: i,
      pkce: new Uint8Array([i, 255, 0]),
      expires_at: now + 60_000,
    });
    await s.putToken(name, { jti: `jti-${i}`, user_id: i, revoked: i % 2 === 0, expires_at: i % 3 === 0 ? now - HOUR : now + 24 * HOUR });
  }
}

async function sessionBackup() {
  const created = await api("POST", "/admin/backup/create", { body: { type: "sessions" } });
  expect(created.status).toBe(202);
  return waitFor(
    async () => (await api("GET", `/admin/backup/${created.json.backup_id}`)).json,
    (b) => b.status === "completed" || b.status === "failed",
  );
}

async function sessionRestore(body: Record<string, unknown>) {
  const started = await api("POST", "/admin/backup/restore", { body: { components: ["sessions"], ...body }, as: "alice" });
  if (started.status !== 202) return { started, done: null as any };
  const done = await waitRestore(started.json.restore_id);
  return { started, done };
}

const PROD = { target_environment: "production", confirmation: "I understand this will overwrite current data" };

describe("demo sessions", () => {
  it("the demo routes do not exist unless DEMO_MODE is on (production never sets it)", async () => {
    const r = await api("POST", "/admin/demo/seed-sessions", { body: {} });
    expect(r.status).toBe(404);
  });

  it("the generator spreads sessions over registered objects, some already expired", async () => {
    const { seedSessions, shardName } = await import("../../examples/demo-provider/src/sessions");
    await seedSessions(env, { sessions: 250, objects: 12, now: 1_800_000_000_000 });
    expect(await env.OIDC_DB.prepare("SELECT count(*) AS n FROM durable_object_registry").first("n")).toBe(12);
    const dumped = (await stub(shardName(0)).dump()) as { tables: Record<string, { expires_at: number }[]> };
    expect(dumped.tables.sessions).toHaveLength(21);
    expect(dumped.tables.sessions!.filter((x) => x.expires_at < 1_800_000_000_000).length).toBe(3);
  });
});

describe("Durable Object session backups", () => {
  it("round-trip every registered object exactly (rows with their rowids, BLOBs, KV values with Dates), into sandbox names", async () => {
    await seedSessions(30);
    const b = await sessionBackup();
    expect(b.status, JSON.stringify(b.error)).toBe("completed");
    expect(b.manifest.tables).toBe(30); // objects
    const { done } = await sessionRestore({ backup_id: b.backup_id, target_environment: "test" });
    expect(done.status, JSON.stringify(done.error)).toBe("completed");
    for (const name of names(30)) expect(await stub(`sandbox:${name}`).dump(), name).toEqual(await stub(name).dump());
    // Sandbox copies stay out of production's registry: the next session backup must not pick them up.
    const registry = await env.OIDC_DB.prepare("SELECT count(*) AS n FROM durable_object_registry WHERE name LIKE 'sandbox:%'").first("n");
    expect(registry).toBe(0);
  });

  it("can leave out entries that have already expired", async () => {
    await seedSessions(6);
    const b = await sessionBackup();
    const { done } = await sessionRestore({ backup_id: b.backup_id, target_environment: "test", sessions: { skip_expired: true } });
    expect(done.status).toBe("completed");
    expect(done.log.at(-1).message).toMatch(/ 8 expired entries left out/); // 6 expired sessions + tokens of shard 0 and 3
    const restored = (await stub("sandbox:shard-003").dump()) as { tables: Record<string, unknown[]> };
    expect(restored.tables.sessions).toHaveLength(4);
    expect(restored.tables.token_state).toHaveLength(0);
    expect(restored.tables.authorization_codes).toHaveLength(1);
  });

  it("restores named objects only, in place", async () => {
    await seedSessions(5);
    const b = await sessionBackup();
    const before3 = await stub("shard-003").dump();
    await stub("shard-003").putSession("shard-003", { id: "sess-hijacked", user_id: 1, data: {}, expires_at: Date.now() + HOUR });
    await stub("shard-004").putSession("shard-004", { id: "sess-new", user_id: 2, data: {}, expires_at: Date.now() + HOUR });
    const after4 = await stub("shard-004").dump();
    const { done } = await sessionRestore({ backup_id: b.backup_id, ...PROD, sessions: { objects: ["shard-003"] } });
    expect(done.status, JSON.stringify(done.error)).toBe("completed");
    expect(await stub("shard-003").dump()).toEqual(before3);
    expect(await stub("shard-004").dump()).toEqual(after4);

    const missing = await sessionRestore({
      backup_id: b.backup_id,
      target_environment: "test",
      sessions: { objects: ["shard-003", "shard-999"] },
    });
    expect(missing.started.status).toBe(400);
    expect(missing.started.json.error.field).toBe("sessions.objects[1]");
  });

  it("an unchanged second backup stores nothing new; a deleted object leaves the registry and the next backup", async () => {
    await seedSessions(8);
    const first = await sessionBackup();
    const second = await sessionBackup();
    expect(second.manifest.new_chunks).toBe(0);
    await stub("shard-002").forget("shard-002");
    const third = await sessionBackup();
    expect(third.manifest.tables).toBe(first.manifest.tables - 1);
  });

  it("an object whose state cannot be exported is retried, then named in the failed backup", async () => {
    await seedSessions(3);
    // The provider stores a value JSON has no form for (the object lives in the provider's Worker: reached by RPC).
    await stub("shard-001").putMeta("weird", new Map([["a", 1]]));
    const b = await sessionBackup();
    expect(b.status).toBe("failed");
    expect(b.error.code).toBe("object_export_failed");
    expect(b.error.message).toMatch(/shard-001 \(.*Map.*cannot be backed up/);
  });
});
