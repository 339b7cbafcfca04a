import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from "jose";
import { CloudflareAccessConfig } from "../../schemas/config";
import type { Env } from "../env";
import { ConfigError, UnauthorizedError } from "../errors";
import { rolesFrom } from "./jwt";
import { expandRoles, type Principal } from "./roles";

/** Cloudflare Access as configured (schemas/config.ts), or null when it is not. */
export function accessConfig(env: Env): CloudflareAccessConfig | null {
  const r = CloudflareAccessConfig.safeParse(env);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new ConfigError(`${issue.path.join(".")}: ${issue.message}`, String(issue.path[0]));
}

const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

/**
 * The person behind an Access application token (`Cf-Access-Jwt-Assertion`): signed by the team's keys (RS256),
 * issued by the team, for this application's audience, unexpired. The subject is the person's e-mail (else `sub`);
 * roles and a second factor come from the claims the identity provider passes through Access.
 */
export async function accessPrincipal(assertion: string, cfg: CloudflareAccessConfig): Promise<Principal> {
  let keys = keySets.get(cfg.certs);
  if (!keys) {
    keys = createRemoteJWKSet(new URL(cfg.certs), { cacheMaxAge: 10 * 60_000, cooldownDuration: 30_000, timeoutDuration: 5_000 });
    keySets.set(cfg.certs, keys);
  }
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(assertion, keys, {
      issuer: cfg.issuer,
      audience: cfg.audience,
      algorithms: ["RS256"],
      clockTolerance: 30,
      requiredClaims: ["sub", "exp"],
    }));
  } catch (e) {
    throw new UnauthorizedError(
      `Cloudflare Access token rejected: ${e instanceof errors.JWTExpired ? "token has expired" : e instanceof errors.JWTClaimValidationFailed ? `${e.claim} is wrong` : "signature or format"}`,
    );
  }
  const roles = rolesFrom(payload, cfg.rolesClaim);
  if (roles.length === 0) throw new UnauthorizedError(`Cloudflare Access token rejected: no Vaultline role in claim ${cfg.rolesClaim}`);
  const custom = (payload.custom ?? {}) as { amr?: unknown };
  const amr = Array.isArray(custom.amr) ? custom.amr.filter((m): m is string => typeof m === "string") : [];
  return {
    subject: typeof payload.email === "string" ? payload.email : payload.sub!,
    roles: expandRoles(roles),
    via: "access",
    amr,
    ...(payload.iat !== undefined ? { signed_in_at: payload.iat } : {}),
  };
}
