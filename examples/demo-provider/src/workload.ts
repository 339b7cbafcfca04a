/**
 * Demo write traffic for the benchmarks (DEMO_MODE only): what an OIDC provider writes all day. One "sign-in" is a
 * user row touched, an audit event, a refresh token issued and an older one revoked: four statements, two tables
 * inserted into, two updated. A seeded PRNG makes two runs do the same kind of work.
 */
import type { DemoEnv } from "./env";
import type { SessionObject } from "./session-object";
import { shardName } from "./sessions";

export interface WriteLoadResult {
  signins: number;
  statements: number;
  ms: number;
}

function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

export async function writeLoad(
  db: D1Database,
  opts: { batches: number; signinsPerBatch: number; seed: number },
): Promise<WriteLoadResult> {
  const maxUser = (await db.prepare("SELECT max(id) AS m FROM users").first<number>("m")) ?? 0;
  const client = await db.prepare("SELECT client_id FROM oauth_clients ORDER BY client_id LIMIT 1").first<string>("client_id");
  const maxToken = (await db.prepare("SELECT max(id) AS m FROM refresh_tokens").first<number>("m")) ?? 0;
  if (!maxUser || !client) throw new Error("the demo database is empty: seed it first");
  const rand = prng(opts.seed);
  const began = Date.now();
  const out: WriteLoadResult = { signins: 0, statements: 0, ms: 0 };
  for (let b = 0; b < opts.batches; b++) {
    const now = Date.now();
    const batch: D1PreparedStatement[] = [];
    for (let i = 0; i < opts.signinsPerBatch; i++) {
      const user = 1 + Math.floor(rand() * maxUser);
      const hash = Math.floor(rand() * 2 ** 48).toString(16) + now.toString(16) + i;
      batch.push(
        db.prepare("UPDATE users SET last_login_at = ?, updated_at = ? WHERE id = ?").bind(now, now, user),
        db
          .prepare(
            "INSERT INTO auth_events (user_id, client_id, type, success, ip, user_agent, at) VALUES (?, ?, 'login', 1, '198.51.100.23', 'bench/1.0', ?)",
          )
          .bind(user, client, now),
        db
          .prepare(
            "INSERT INTO refresh_tokens (token_hash, user_id, client_id, scope, issued_at, expires_at) VALUES (?, ?, ?, 'openid profile', ?, ?)",
          )
          .bind(hash, user, client, now, now + 30 * 86_400_000),
        db.prepare("UPDATE refresh_tokens SET revoked_at = ? WHERE id = ?").bind(now, 1 + Math.floor(rand() * maxToken)),
      );
    }
    // Only users that exist: ids come from 1..max, and a deleted id makes the token insert fail its foreign key.
    try {
      await db.batch(batch);
      out.signins += opts.signinsPerBatch;
      out.statements += batch.length;
    } catch (e) {
      if (!/FOREIGN KEY/.test((e as Error).message)) throw e;
    }
  }
  out.ms = Date.now() - began;
  return out;
}

/** Changes `percent` % of users (a profile edit) and of refresh tokens (revocations): the incremental benchmark's delta. */
export async function changeShare(db: D1Database, percent: number): Promise<{ users: number; refresh_tokens: number }> {
  const every = Math.max(1, Math.round(100 / percent));
  const now = Date.now();
  // Counted with SELECTs: D1's meta.changes also counts rows that triggers write (the change log's, for one).
  const [u, t] = await db.batch([
    db.prepare("SELECT count(*) AS n FROM users WHERE id % ? = 7 % ?").bind(every, every),
    db.prepare("SELECT count(*) AS n FROM refresh_tokens WHERE id % ? = 3 % ?").bind(every, every),
    db.prepare("UPDATE users SET name = coalesce(name, '') || '*', updated_at = ? WHERE id % ? = 7 % ?").bind(now, every, every),
    db.prepare("UPDATE refresh_tokens SET revoked_at = ? WHERE id % ? = 3 % ?").bind(now, every, every),
  ]);
  return { users: (u!.results[0] as { n: number }).n, refresh_tokens: (t!.results[0] as { n: number }).n };
}

/**
 * What a sign-in writes besides the database: a session in the user's session object (through the object, so the
 * session contract marks it for the change feed) and, for some, a file (an avatar upload). For the benchmark's
 * combined load; `objects` session shards, 8 writes at a time.
 */
export async function sessionAndFileLoad(
  env: DemoEnv,
  opts: { sessions: number; files: number; objects: number; seed: number },
): Promise<{ sessions: number; files: number }> {
  const rand = prng(opts.seed ^ 0x5e55);
  const now = Date.now();
  const writes = Array.from({ length: opts.sessions }, (_, i) => {
    const user = Math.floor(rand() * 1_000_000);
    return { shard: shardName(user % opts.objects), id: `s-${opts.seed}-${i}`, user };
  });
  for (let i = 0; i < writes.length; i += 8)
    await Promise.all(
      writes.slice(i, i + 8).map((w) => {
        const stub = env.SESSIONS.get(env.SESSIONS.idFromName(w.shard)) as DurableObjectStub<SessionObject>;
        return stub.putSession(w.shard, {
          id: w.id,
          user_id: w.user,
          data: { ua: "bench/1.0", amr: ["pwd"] },
          expires_at: now + 3_600_000,
        });
      }),
    );
  for (let i = 0; i < opts.files; i++) {
    const user = Math.floor(rand() * 1_000_000);
    await env.ASSETS_BUCKET.put(`avatars/${user % 5000}.png`, crypto.getRandomValues(new Uint8Array(4096)), {
      httpMetadata: { contentType: "image/png" },
    });
  }
  return { sessions: writes.length, files: opts.files };
}
