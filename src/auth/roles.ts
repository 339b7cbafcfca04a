import type { AuthConfig, Role } from "../../schemas/config";
import { ForbiddenError, MfaRequiredError } from "../errors";

/** How a caller proved who they are: a hashed API token (automation), a JWT from the issuer or Cloudflare Access (people). */
export interface Principal {
  subject: string;
  roles: Role[];
  via: "api_token" | "jwt" | "access";
  /** Authentication methods (RFC 8176 `amr`) of a JWT; empty for API tokens. */
  amr: string[];
  /** When the person signed in (the JWT's `auth_time`, else its `iat`), in seconds since the epoch. */
  signed_in_at?: number;
}

/** Each role with the ones it includes (docs/ACCESS.md). */
const IMPLIES: Record<Role, Role[]> = {
  admin: ["admin", "operator", "restore_requester", "viewer"],
  operator: ["operator", "viewer"],
  restore_requester: ["restore_requester", "viewer"],
  viewer: ["viewer"],
  approver: ["approver", "viewer"],
  auditor: ["auditor", "viewer"],
};

export function expandRoles(roles: Role[]): Role[] {
  return [...new Set(roles.flatMap((r) => IMPLIES[r]))];
}

/** Passes when the caller holds any of `roles`. */
export function requireRole(p: Principal, roles: Role | Role[], what: string): void {
  const any = Array.isArray(roles) ? roles : [roles];
  if (any.some((r) => p.roles.includes(r))) return;
  throw new ForbiddenError(`${what} requires the ${any.join(" or ")} role; ${p.subject} has ${p.roles.join(", ")}`);
}

/**
 * Production restores are asked for and approved by people who proved a second factor: a JWT whose `amr` holds one
 * of `factors`. An API token never passes, whatever its roles, so no automation can approve.
 */
export function requireMfa(p: Principal, cfg: Pick<AuthConfig, "AUTH_MFA_AMR" | "AUTH_MFA_MAX_AGE_SECONDS">, what: string): void {
  const factors = cfg.AUTH_MFA_AMR;
  if (p.via === "api_token") {
    throw new MfaRequiredError(
      `${what} needs a person signed in with a second factor: API tokens never can; use a JWT whose amr includes one of ${factors.join(", ")}`,
    );
  }
  if (!p.amr.some((m) => factors.includes(m))) {
    throw new MfaRequiredError(
      `${what} needs a second factor: this token's amr is [${p.amr.join(", ")}]; one of ${factors.join(", ")} is required`,
    );
  }
  const age = p.signed_in_at === undefined ? Number.POSITIVE_INFINITY : Math.floor(Date.now() / 1000) - p.signed_in_at;
  if (age > cfg.AUTH_MFA_MAX_AGE_SECONDS) {
    throw new MfaRequiredError(
      `${what} needs a recent second factor: this sign-in is ${Number.isFinite(age) ? `${age} s old` : "of unknown age (no auth_time or iat)"}, at most ${cfg.AUTH_MFA_MAX_AGE_SECONDS} s (AUTH_MFA_MAX_AGE_SECONDS) is accepted: sign in again`,
    );
  }
}
