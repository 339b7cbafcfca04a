import { mapLimit } from "../../../src/sessions/limit";
import { SESSIONS_NAMESPACE, type SessionObject } from "./session-object";

const HOUR = 3_600_000;

/** What seeding needs: the session namespace and the database the objects register in. */
type SessionEnv = { SESSIONS: Pick<DurableObjectNamespace, "idFromName"> & { get(id: DurableObjectId): unknown }; OIDC_DB: D1Database };

/** Object name of shard `i`. */
export const shardName = (i: number) => `sessions-${String(i).padStart(5, "0")}`;

/**
 * Deterministic demo sessions: `sessions` sessions spread over `objects` objects, plus an authorization code and
 * token state per session shard; about a tenth already expired (relative to `now`).
 */
export async function seedSessions(
  env: SessionEnv,
  opts: { sessions: number; objects: number; now?: number },
): Promise<{ objects: number; sessions: number }> {
  const now = opts.now ?? Date.now();
  // Evenly: every object gets floor(sessions / objects), the first (sessions % objects) one more.
  const base = Math.floor(opts.sessions / opts.objects);
  const extra = opts.sessions % opts.objects;
  const count = (i: number) => base + (i < extra ? 1 : 0);
  const first = (i: number) => i * base + Math.min(i, extra);
  await mapLimit(
    Array.from({ length: opts.objects }, (_, i) => i),
    16,
    async (i) => {
      const name = shardName(i);
      const stub = env.SESSIONS.get(env.SESSIONS.idFromName(name)) as DurableObjectStub<SessionObject>;
      const sessions = Array.from({ length: count(i) }, (_, k) => ({
        id: `sid-${i}-${k}`,
        user_id: 1 + ((first(i) + k) % 100_000),
        data: {
          amr: k % 3 ? ["pwd"] : ["pwd", "otp"],
          ua: k % 2 ? "Mozilla/5.0 Firefox/133.0" : "okhttp/4.12",
          acr: "urn:mace:incommon:iap:silver",
        },
        expires_at: now + (k % 10 === 0 ? -1 : 1) * (1 + (k % 24)) * HOUR,
      }));
      if (!sessions.length) return;
      await stub.putSessions(name, sessions);
      await stub.putCode(name, {
        code: `code-${i}`,
        client_id: "client-001",
        user_id: sessions[0]!.user_id,
        pkce: new Uint8Array([i & 255, 42]),
        expires_at: now + 10 * 60_000,
      });
      await stub.putToken(name, { jti: `jti-${i}`, user_id: sessions[0]!.user_id, revoked: i % 7 === 0, expires_at: now + 30 * 24 * HOUR });
    },
  );
  return { objects: opts.objects, sessions: opts.sessions };
}

export async function sessionObjectCount(env: SessionEnv): Promise<number> {
  return (
    (await env.OIDC_DB.prepare("SELECT count(*) AS n FROM durable_object_registry WHERE namespace = ?")
      .bind(SESSIONS_NAMESPACE)
      .first<number>("n")) ?? 0
  );
}
