// Attacks with tokens the issuer really signed: an ID token presented as an access token, a second factor from a
// sign-in hours ago reused for a production action, and a JWKS fetched over plain http (whoever is on the path
// serves their own keys). Defences: AUTH_TOKEN_TYP, AUTH_MFA_MAX_AGE_SECONDS (src/auth/roles.ts requireMfa), and
// AuthConfig refusing a non-https AUTH_JWKS_URL.
import { describe, expect, it } from "vitest";
import { AuthConfig } from "../../../schemas/config";
import { mintJwt, TEST_IDP } from "../../shared/idp";
import { api } from "../helpers";

const bob = { sub: "bob@approve", roles: ["approver"], amr: ["pwd", "otp"] };
const nowhere = "/admin/restore/rs_20260101T000000Z_00000000/approve";

describe("attack: tokens the issuer signed, used where they must not be", () => {
  it("an ID token (typ JWT) is refused where an access token (at+jwt) is required", async () => {
    const id = await mintJwt({ ...bob, typ: "JWT" });
    const r = await api("GET", "/admin/whoami", { bearer: id });
    expect(r.status).toBe(401);
    expect(r.json.error.message).toMatch(/typ header is wrong .*not an ID token/);
    expect((await api("GET", "/admin/whoami", { bearer: await mintJwt(bob) })).status).toBe(200);
  });

  it("a second factor older than AUTH_MFA_MAX_AGE_SECONDS does not approve; a fresh one gets past the check", async () => {
    const stale = await mintJwt({ ...bob, authTime: -2 * 3600 });
    const refused = await api("POST", nowhere, { bearer: stale, body: { comment: "ok" } });
    expect(refused.status).toBe(403);
    expect(refused.json.error).toMatchObject({
      code: "mfa_required",
      message: expect.stringMatching(/recent second factor: this sign-in is 72\d\d s old/),
    });
    const fresh = await mintJwt({ ...bob, authTime: -300 });
    expect((await api("POST", nowhere, { bearer: fresh, body: { comment: "ok" } })).status).toBe(404);
  });

  it("a JWKS URL that is not https is refused, naming the variable", () => {
    const base = { AUTH_ISSUER: TEST_IDP.issuer, AUTH_AUDIENCE: TEST_IDP.audience };
    const plain = AuthConfig.safeParse({ ...base, AUTH_JWKS_URL: "http://idp.example/.well-known/jwks.json" });
    expect(plain.success).toBe(false);
    expect(plain.error!.issues[0]).toMatchObject({ path: ["AUTH_JWKS_URL"], message: "must be an https:// URL" });
    expect(AuthConfig.safeParse({ ...base, AUTH_JWKS_URL: TEST_IDP.jwksUrl }).success).toBe(true);
  });
});
