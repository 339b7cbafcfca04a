// The test suite's stand-in for the OIDC provider as an issuer of admin access tokens: a fixed signing key whose
// public half the outbound stand-in serves as the issuer's JWKS, and a second key the issuer never published.
// Test-only keys: they sign nothing outside this suite.
import { type Issuer, publicJwks, signAccessToken, type TokenClaims } from "./jwt.ts";

export const TEST_IDP = {
  issuer: "https://idp.vaultline.test",
  audience: "vaultline-admin",
  jwksUrl: "https://idp.vaultline.test/.well-known/jwks.json",
  rolesClaim: "vaultline_roles",
} as const;

const PUBLISHED: Issuer = {
  ...TEST_IDP,
  key: {
    kid: "test-1",
    kty: "EC",
    crv: "P-256",
    x: "6tI4k6_mz2hiWRw_YupXFm_1LctqT8sCy2IS6S-LYKY",
    y: "QyyxHLc2WRN2fvzcoQai6StsH_jN0amrTbPXxRZLoe8",
    d: "ch-eUbbLBHS1dclXKKMuXSDwPif3Eo7G9ZqSFE-f5bk",
  },
};
const UNPUBLISHED: Issuer = {
  ...TEST_IDP,
  key: {
    kid: "test-unknown",
    kty: "EC",
    crv: "P-256",
    x: "1kJ1uOxfr4-iTPYYVAWvWi3FfQJ8jAUU9V74XVvuV3A",
    y: "V5Aou_Q3FdOmsJLG9RyvLvoS1hbDfgo5aB2APlyNhj0",
    d: "c8Apqy3G45M7GxnCxOFJ64PNLi8TXsuH-5dABCQb8dU",
  },
};

export const TEST_JWKS = publicJwks(PUBLISHED.key);

export type MintOptions = TokenClaims & { /** Sign with the key the issuer never published. */ unpublishedKey?: boolean };

export function mintJwt(o: MintOptions): Promise<string> {
  return signAccessToken(o.unpublishedKey ? UNPUBLISHED : PUBLISHED, o);
}

/** An unsigned token (`alg: none`) with otherwise perfect claims: must never be accepted. */
export function unsignedJwt(o: TokenClaims): string {
  const b64 = (v: object) => btoa(JSON.stringify(v)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  const now = Math.floor(Date.now() / 1000);
  return `${b64({ alg: "none", typ: "JWT" })}.${b64({ sub: o.sub, iss: TEST_IDP.issuer, aud: TEST_IDP.audience, iat: now, exp: now + 600, amr: o.amr, [TEST_IDP.rolesClaim]: o.roles })}.`;
}

export function idpStandin(request: Request): Response | null {
  if (request.url !== TEST_IDP.jwksUrl) return null;
  return new Response(JSON.stringify(TEST_JWKS), { headers: { "content-type": "application/jwk-set+json" } });
}
