import { AuthConfig } from "../../schemas/config";
import type { Env } from "../env";
import { ConfigError, UnauthorizedError } from "../errors";
import { apiTokenPrincipal, parseApiTokens } from "./api-tokens";
import { accessConfig, accessPrincipal } from "./cloudflare-access";
import { jwtPrincipal, looksLikeJwt } from "./jwt";
import type { Principal } from "./roles";

export function authConfig(env: Env): AuthConfig {
  const r = AuthConfig.safeParse(env);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new ConfigError(`${issue.path.join(".")}: ${issue.message}`, String(issue.path[0]));
  }
  return r.data;
}

/**
 * Who is calling: a bearer token, a JWT from the configured issuer (people) or a hashed API token (automation);
 * without one, the assertion Cloudflare Access adds when Access is configured (people, src/auth/cloudflare-access.ts).
 */
export async function authenticate(creds: { authorization?: string | null; access?: string | null }, env: Env): Promise<Principal> {
  const header = creds.authorization;
  if (!header && creds.access) {
    const access = accessConfig(env);
    if (access) return accessPrincipal(creds.access, access);
  }
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  if (!m) throw new UnauthorizedError("missing bearer token");
  const token = m[1]!;
  if (looksLikeJwt(token)) return jwtPrincipal(token, authConfig(env));
  return apiTokenPrincipal(token, [...parseApiTokens(env.API_TOKENS), ...setupToken(env)]);
}

/**
 * `npm start`'s own credential for its setup calls (scripts/start.ts): a random token made for that run, whose
 * SHA-256 it passes to `wrangler dev` as LOCAL_SETUP_TOKEN_SHA256. Never an operator's token nor a demo one; no
 * deployed configuration sets the var.
 */
function setupToken(env: Env) {
  const sha256 = env.LOCAL_SETUP_TOKEN_SHA256;
  return sha256 && /^[0-9a-f]{64}$/.test(sha256) ? [{ sha256, subject: "npm-start", roles: ["admin" as const] }] : [];
}
