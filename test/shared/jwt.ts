// Signs access tokens the way the OIDC provider does, for the test issuer (test/shared/idp.ts) and the local demo
// issuer (scripts/lib/demo-idp.ts). Tooling only: the product verifies tokens, it never signs them.
import { importJWK, SignJWT } from "jose";

export interface Issuer {
  issuer: string;
  audience: string;
  rolesClaim: string;
  /** The private signing key, as a JWK with its `kid`. */
  key: { kid: string; kty: string; crv: string; x: string; y: string; d: string };
}

export interface TokenClaims {
  sub: string;
  roles?: string[];
  amr?: string[];
  issuer?: string;
  audience?: string;
  /** Seconds from now; negative for an expired token. */
  expiresIn?: number;
  /** Seconds from now before which the token is not valid. */
  notBefore?: number;
  /** Seconds from now at which the person signed in (`auth_time`); absent unless given. */
  authTime?: number;
  /** The `typ` header (default `at+jwt`, an access token; an ID token has `JWT`). */
  typ?: string;
}

export async function signAccessToken(iss: Issuer, c: TokenClaims): Promise<string> {
  const key = await importJWK(iss.key, "ES256");
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({
    [iss.rolesClaim]: c.roles ?? [],
    ...(c.amr ? { amr: c.amr } : {}),
    ...(c.authTime !== undefined ? { auth_time: now + c.authTime } : {}),
  })
    .setProtectedHeader({ alg: "ES256", kid: iss.key.kid, typ: c.typ ?? "at+jwt" })
    .setSubject(c.sub)
    .setIssuer(c.issuer ?? iss.issuer)
    .setAudience(c.audience ?? iss.audience)
    .setIssuedAt(now)
    .setExpirationTime(now + (c.expiresIn ?? 600));
  if (c.notBefore !== undefined) jwt.setNotBefore(now + c.notBefore);
  return jwt.sign(key);
}

/** The public half of a signing key, as the issuer's JWKS publishes it. */
export function publicJwks(key: Issuer["key"]) {
  const { d: _private, ...pub } = key;
  return { keys: [{ ...pub, alg: "ES256", use: "sig" }] };
}
