import { ApiTokens, type ApiToken } from "../../schemas/config";
import { parseJsonVar } from "../config";
import { UnauthorizedError } from "../errors";
import { sha256Hex, utf8 } from "../repo/bytes";
import { expandRoles, type Principal } from "./roles";

export function parseApiTokens(raw: string | undefined): ApiToken[] {
  return parseJsonVar(ApiTokens, raw, "API_TOKENS", "[]");
}

/** Compares in time independent of where the inputs differ, so response times leak nothing about stored hashes. */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** Automation's credential: the token's SHA-256 must match an API_TOKENS entry. Every entry is compared. */
export async function apiTokenPrincipal(token: string, tokens: ApiToken[]): Promise<Principal> {
  const hash = await sha256Hex(utf8.encode(token));
  let found: ApiToken | undefined;
  for (const t of tokens) if (constantTimeEqual(t.sha256, hash)) found = t;
  if (!found) throw new UnauthorizedError("unknown bearer token");
  return { subject: found.subject, roles: expandRoles(found.roles), via: "api_token", amr: [] };
}
