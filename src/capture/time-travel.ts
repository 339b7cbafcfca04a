import Cloudflare from "cloudflare";
import type { TimeTravelMark } from "../../schemas/manifest";
import type { Env } from "../env";

/**
 * D1 Time Travel alongside our own backups: each full backup records the platform's bookmark for its instant, so
 * an in-place recovery inside the platform's retention window (30 days) is one command:
 *   npx wrangler d1 time-travel restore oidc --bookmark=<bookmark>
 * Configured by the secrets CF_ACCOUNT_ID and CF_API_TOKEN (D1 read) and the var OIDC_DB_ID (the database_id in
 * wrangler.jsonc). Without them it is skipped with a log line; an API failure is recorded, never fatal: the backup
 * itself does not depend on it.
 */
export function timeTravelConfigured(env: Env): boolean {
  return Boolean(env.CF_ACCOUNT_ID && env.CF_API_TOKEN && env.OIDC_DB_ID);
}

export async function timeTravelBookmark(env: Env, at: number): Promise<TimeTravelMark | null> {
  if (!timeTravelConfigured(env)) {
    console.log("D1 Time Travel bookmark skipped: CF_ACCOUNT_ID, CF_API_TOKEN and OIDC_DB_ID are not all set");
    return null;
  }
  const timestamp = new Date(at).toISOString();
  const client = new Cloudflare({ apiToken: env.CF_API_TOKEN!, baseURL: env.CF_API_BASE_URL || undefined, maxRetries: 2, timeout: 15_000 });
  try {
    const r = await client.d1.database.timeTravel.getBookmark(env.OIDC_DB_ID!, { account_id: env.CF_ACCOUNT_ID!, timestamp });
    if (!r.bookmark) return { database_id: env.OIDC_DB_ID!, at: timestamp, error: "the API answered without a bookmark" };
    return { database_id: env.OIDC_DB_ID!, at: timestamp, bookmark: r.bookmark };
  } catch (e) {
    const message = e instanceof Cloudflare.APIError ? `HTTP ${e.status}: ${e.message}` : (e as Error).message;
    console.error("D1 Time Travel bookmark failed", message);
    return { database_id: env.OIDC_DB_ID!, at: timestamp, error: message.slice(0, 500) };
  }
}
