import { createLocalJWKSet, createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from "jose";
import { type AuthConfig, ROLES, type Role } from "../../schemas/config";
import { ConfigError, UnauthorizedError } from "../errors";
import { expandRoles, type Principal } from "./roles";

type KeySet = ReturnType<typeof createRemoteJWKSet> | ReturnType<typeof createLocalJWKSet>;

/**
 * Key sets live as long as the isolate: jose caches the issuer's keys (10 minutes) and fetches them again when a
 * token names a key id it has not seen (at most every 30 s), which is how a rotation at the issuer is picked up.
 */
const keySets = new Map<string, KeySet>();

function keySet(cfg: AuthConfig): KeySet {
  const id = cfg.AUTH_JWKS_URL ?? `inline:${cfg.AUTH_JWKS}`;
  let set = keySets.get(id);
  if (!set) {
    if (cfg.AUTH_JWKS_URL) {
      set = createRemoteJWKSet(new URL(cfg.AUTH_JWKS_URL), { cacheMaxAge: 10 * 60_000, cooldownDuration: 30_000, timeoutDuration: 5_000 });
    } else {
      let jwks: unknown;
      try {
        jwks = JSON.parse(cfg.AUTH_JWKS!);
      } catch {
        throw new ConfigError("AUTH_JWKS is not valid JSON", "AUTH_JWKS");
      }
      set = createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]);
    }
    keySets.set(id, set);
  }
  return set;
}

/** A token is a JWT when it has the three dot-separated parts; API tokens never contain a dot. */
export function looksLikeJwt(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token);
}

/** Checks signature (against the issuer's keys, allowed algorithms only: never `none`), iss, aud, exp and nbf. */
export async function jwtPrincipal(token: string, cfg: AuthConfig): Promise<Principal> {
  if (!cfg.AUTH_ISSUER) throw new UnauthorizedError("JWT sign-in is not configured (AUTH_ISSUER): use an API token");
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, keySet(cfg), {
      issuer: cfg.AUTH_ISSUER,
      audience: cfg.AUTH_AUDIENCE,
      algorithms: cfg.AUTH_ALGORITHMS,
      clockTolerance: 30,
      requiredClaims: ["sub", "exp"],
      ...(cfg.AUTH_TOKEN_TYP ? { typ: cfg.AUTH_TOKEN_TYP } : {}),
    }));
  } catch (e) {
    throw new UnauthorizedError(`JWT rejected: ${reason(e)}`);
  }
  const roles = rolesFrom(payload, cfg.AUTH_ROLES_CLAIM);
  if (roles.length === 0) throw new UnauthorizedError(`JWT rejected: no Vaultline role in claim ${cfg.AUTH_ROLES_CLAIM}`);
  const amr = Array.isArray(payload.amr) ? payload.amr.filter((m): m is string => typeof m === "string") : [];
  const signedIn = typeof payload.auth_time === "number" ? payload.auth_time : payload.iat;
  return {
    subject: payload.sub!,
    roles: expandRoles(roles),
    via: "jwt",
    amr,
    ...(signedIn !== undefined ? { signed_in_at: signedIn } : {}),
  };
}

/** The Vaultline roles in a claim (a dotted path: `custom.vaultline_roles`), as a list or a spaced string. */
export function rolesFrom(payload: JWTPayload, claim: string): Role[] {
  let v: unknown = payload;
  for (const part of claim.split(".")) v = v && typeof v === "object" ? (v as Record<string, unknown>)[part] : undefined;
  const list = Array.isArray(v) ? v : typeof v === "string" ? v.split(/[\s,]+/) : [];
  return list.filter((r): r is Role => (ROLES as readonly string[]).includes(r));
}

/** Why a token failed, in words that help its holder and reveal nothing about our keys. */
function reason(e: unknown): string {
  if (e instanceof errors.JWTExpired) return "token has expired";
  if (e instanceof errors.JWTClaimValidationFailed) {
    if (e.claim === "nbf") return "token is not valid yet (nbf)";
    if (e.claim === "typ") return `typ header is wrong (${e.reason}): an access token is required, not an ID token`;
    return `${e.claim} claim is wrong (${e.reason})`;
  }
  if (e instanceof errors.JOSEAlgNotAllowed) return "signing algorithm is not allowed";
  if (e instanceof errors.JWKSNoMatchingKey) return "signed by a key the issuer does not publish";
  if (e instanceof errors.JWSSignatureVerificationFailed) return "signature does not verify";
  if (e instanceof errors.JWKSTimeout || e instanceof errors.JOSEError) return e.message;
  return "malformed token";
}
