import { ApiTokens, type ApiToken, type Role } from "../../schemas/config";
import { parseJsonVar } from "../config";
import { ForbiddenError, UnauthorizedError } from "../errors";
import { sha256Hex, utf8 } from "../repo/bytes";

export interface Principal {
  subject: string;
  roles: Role[];
}

/** Each role includes the ones below it. */
const IMPLIES: Record<Role, Role[]> = {
  admin: ["admin", "operator", "viewer"],
  operator: ["operator", "viewer"],
  viewer: ["viewer"],
  approver: ["approver", "viewer"],
};

export function parseApiTokens(raw: string | undefined): ApiToken[] {
  return parseJsonVar(ApiTokens, raw, "API_TOKENS", "[]");
}

/** Compares in time independent of where the inputs differ, so response times leak nothing about stored hashes. */
function constantTimeEqual(a: string, b: string): boolean {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

export async function authenticate(header: string | null | undefined, tokens: ApiToken[]): Promise<Principal> {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  if (!m) throw new UnauthorizedError("missing bearer token");
  const hash = await sha256Hex(utf8.encode(m[1]!));
  let found: ApiToken | undefined;
  for (const t of tokens) if (constantTimeEqual(t.sha256, hash)) found = t;
  if (!found) throw new UnauthorizedError("unknown bearer token");
  return { subject: found.subject, roles: [...new Set(found.roles.flatMap((r) => IMPLIES[r]))] };
}

export function requireRole(p: Principal, role: Role, what: string): void {
  if (!p.roles.includes(role)) throw new ForbiddenError(`${what} requires the ${role} role; ${p.subject} has ${p.roles.join(", ")}`);
}
