import type { TimeTravelMark } from "../../schemas/manifest";
import type { Env } from "../env";

const API = "https://api.cloudflare.com/client/v4";
const ATTEMPTS = 3;
const TIMEOUT_MS = 15_000;

/**
 * D1 Time Travel alongside our own backups: each full backup records the platform's bookmark for its instant, so
 * an in-place recovery inside the platform's retention window (30 days) is one command:
 *   npx wrangler d1 time-travel restore oidc --bookmark=<bookmark>
 * Configured by the secrets CF_ACCOUNT_ID and CF_API_TOKEN (D1 read) and the var OIDC_DB_ID (the database_id in
 * wrangler.jsonc). Without them it is skipped with a log line; an API failure is recorded, never fatal: the backup
 * itself does not depend on it. One GET of the REST API with a plain fetch (the SDK stays in the Node scripts: it
 * would be most of the Worker's bundle); a network error or a 5xx/429 is tried up to three times.
 */
export function timeTravelConfigured(env: Env): boolean {
  return Boolean(env.CF_ACCOUNT_ID && env.CF_API_TOKEN && env.OIDC_DB_ID);
}

interface ApiAnswer {
  success?: boolean;
  errors?: { code?: number; message?: string }[];
  result?: { bookmark?: string } | null;
}

export async function timeTravelBookmark(env: Env, at: number): Promise<TimeTravelMark | null> {
  if (!timeTravelConfigured(env)) {
    console.log("D1 Time Travel bookmark skipped: CF_ACCOUNT_ID, CF_API_TOKEN and OIDC_DB_ID are not all set");
    return null;
  }
  const timestamp = new Date(at).toISOString();
  const base = (env.CF_API_BASE_URL || API).replace(/\/$/, "");
  const url = `${base}/accounts/${encodeURIComponent(env.CF_ACCOUNT_ID!)}/d1/database/${encodeURIComponent(env.OIDC_DB_ID!)}/time_travel/bookmark?timestamp=${encodeURIComponent(timestamp)}`;
  const mark = { database_id: env.OIDC_DB_ID!, at: timestamp };
  let error = "";
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    try {
      const res = await fetch(url, { headers: { authorization: `Bearer ${env.CF_API_TOKEN}` }, signal: AbortSignal.timeout(TIMEOUT_MS) });
      const body = (await res.json().catch(() => ({}))) as ApiAnswer;
      if (res.ok && body.result?.bookmark) return { ...mark, bookmark: body.result.bookmark };
      error = res.ok
        ? "the API answered without a bookmark"
        : `HTTP ${res.status}: ${body.errors?.map((e) => e.message).join("; ") || res.statusText}`;
      if (res.ok || (res.status < 500 && res.status !== 429)) break;
    } catch (e) {
      error = (e as Error).message;
    }
  }
  console.error("D1 Time Travel bookmark failed", error);
  return { ...mark, error: error.slice(0, 500) };
}
