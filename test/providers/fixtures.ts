// The example providers as test fixtures: the same provider tests (test/worker/providers.test.ts) run against each,
// in the vitest project that binds Vaultline to that provider (vitest.config.ts sets TEST_PROVIDER).
import { seedDatabase } from "../../examples/demo-provider/src/generate";
import type { SessionObject } from "../../examples/demo-provider/src/session-object";
import { seedAuthjs, uuid } from "../../examples/authjs-provider/src/seed";
import type { SessionStore } from "../../examples/authjs-provider/src/session-store";

type Key = number | string;

export interface ProviderFixture {
  name: string;
  /** A few hundred users with everything they own. */
  seed(db: D1Database): Promise<void>;
  /** A user who owns rows in other tables, by key. */
  user: Key;
  /** The tables holding the user's rows (the user table first). */
  userTables: string[];
  /** Changes the user's rows: edits the user row, deletes rows the user owns, adds one. */
  damageUser(db: D1Database, id: Key): Promise<void>;
  /** Writes that touch other users only. */
  otherWrites(db: D1Database, round: number): Promise<void>;
  /** The user's rows in every table that holds them, for comparing. */
  userRows(db: D1Database, id: Key): Promise<Record<string, unknown[]>>;
  /** Session objects with state; returns their names. */
  seedSessions(sessions: DurableObjectNamespace): Promise<string[]>;
  /** Reads one session object's state back through the provider's own methods. */
  readSession(sessions: DurableObjectNamespace, name: string): Promise<unknown>;
  /** Tables the profile leaves out of backups, with a write to one of them. */
  excluded: string[];
  touchExcluded(db: D1Database): Promise<void>;
}

async function rowsWhere(db: D1Database, pairs: [string, string][], id: Key): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  // Sorted by content: WITHOUT ROWID tables have no rowid to order by.
  for (const [table, column] of pairs)
    out[table] = (await db.prepare(`SELECT * FROM "${table}" WHERE "${column}" = ?`).bind(id).all()).results
      .map((r) => JSON.stringify(r))
      .sort();
  return out;
}

const demo: ProviderFixture = {
  name: "demo",
  seed: async (db) => void (await seedDatabase(db, { users: 120, batchUsers: 60 })),
  user: 7,
  userTables: ["users", "refresh_tokens", "authorization_codes", "consents", "auth_events"],
  async damageUser(db, id) {
    await db.batch([
      db.prepare(`UPDATE users SET name = 'damaged', email = 'damaged@example.com' WHERE id = ?`).bind(id),
      db.prepare(`DELETE FROM consents WHERE user_id = ?`).bind(id),
      db.prepare(`DELETE FROM refresh_tokens WHERE user_id = ?`).bind(id),
      db.prepare(`INSERT INTO auth_events (user_id, type, success, ip, at) VALUES (?, 'login_failed', 0, '203.0.113.1', 1)`).bind(id),
    ]);
  },
  async otherWrites(db, round) {
    await db.batch([
      db.prepare(`UPDATE users SET name = ? WHERE id = ?`).bind(`other ${round}`, 40 + round),
      db.prepare(`DELETE FROM consents WHERE user_id = ?`).bind(50 + round),
      db
        .prepare(`INSERT INTO auth_events (user_id, type, success, ip, at) VALUES (?, 'login', 1, '198.51.100.7', ?)`)
        .bind(60 + round, round),
    ]);
  },
  userRows: (db, id) =>
    rowsWhere(
      db,
      [
        ["users", "id"],
        ["refresh_tokens", "user_id"],
        ["authorization_codes", "user_id"],
        ["consents", "user_id"],
        ["auth_events", "user_id"],
      ],
      id,
    ),
  async seedSessions(ns) {
    const names = ["shard-a", "shard-b", "shard-c"];
    for (const [i, name] of names.entries()) {
      const stub = ns.get(ns.idFromName(name)) as unknown as DurableObjectStub<SessionObject>;
      await stub.putSession(name, { id: `s-${i}`, user_id: i + 1, data: { amr: ["pwd"] }, expires_at: Date.now() + 3_600_000 });
      await stub.putCode(name, {
        code: `c-${i}`,
        client_id: "client-001",
        user_id: i + 1,
        pkce: new Uint8Array([i, 7]),
        expires_at: Date.now() + 60_000,
      });
    }
    return names;
  },
  readSession: async (ns, name) => (ns.get(ns.idFromName(name)) as unknown as DurableObjectStub<SessionObject>).dump(),
  excluded: [],
  touchExcluded: async () => {},
};

const authjs: ProviderFixture = {
  name: "authjs",
  seed: async (db) => void (await seedAuthjs(db, { users: 120 })),
  user: uuid(7),
  userTables: ["users", "accounts", "sessions", "keys"],
  async damageUser(db, id) {
    await db.batch([
      db.prepare(`UPDATE "users" SET "name" = 'damaged', "email" = 'damaged@example.org' WHERE "id" = ?`).bind(id),
      db.prepare(`DELETE FROM "accounts" WHERE "userId" = ?`).bind(id),
      db.prepare(`DELETE FROM "keys" WHERE "userId" = ?`).bind(id),
      db.prepare(`INSERT INTO "sessions" VALUES ('intruder', 'st-intruder', ?, 1)`).bind(id),
    ]);
  },
  async otherWrites(db, round) {
    await db.batch([
      db.prepare(`UPDATE "users" SET "name" = ? WHERE "id" = ?`).bind(`other ${round}`, uuid(40 + round)),
      db.prepare(`DELETE FROM "sessions" WHERE "userId" = ?`).bind(uuid(50 + round)),
      db.prepare(`INSERT INTO "verification_tokens" VALUES (?, ?, ?)`).bind(`late${round}@example.org`, `vt-late-${round}`, round),
    ]);
  },
  userRows: (db, id) =>
    rowsWhere(
      db,
      [
        ["users", "id"],
        ["accounts", "userId"],
        ["sessions", "userId"],
        ["keys", "userId"],
      ],
      id,
    ),
  async seedSessions(ns) {
    const names = [`user:${uuid(1)}`, `user:${uuid(2)}`];
    for (const [i, name] of names.entries()) {
      const stub = ns.get(ns.idFromName(name)) as unknown as DurableObjectStub<SessionStore>;
      await stub.open(name, { token: `tok-${i}-a`, userId: uuid(i + 1), device: "Firefox", expires: Date.now() + 3_600_000 });
      await stub.open(name, { token: `tok-${i}-b`, userId: uuid(i + 1), device: null, expires: Date.now() + 7_200_000 });
    }
    return names;
  },
  readSession: async (ns, name) => (ns.get(ns.idFromName(name)) as unknown as DurableObjectStub<SessionStore>).list(),
  excluded: ["rate_limits"],
  async touchExcluded(db) {
    await db.prepare(`INSERT OR REPLACE INTO "rate_limits" VALUES ('ip:198.51.100.99', 41, 1)`).run();
  },
};

export const FIXTURES: Record<string, ProviderFixture> = { demo, authjs };

export function fixtureOf(env: { TEST_PROVIDER?: string }): ProviderFixture {
  return FIXTURES[env.TEST_PROVIDER ?? "demo"]!;
}
