// The local demo's issuer of admin access tokens, standing in for the OIDC provider: .dev.vars.example publishes its
// public key as AUTH_JWKS, and `npm run token` signs with its private key. Demo-only, like the demo master key:
// never configure this issuer in production.
import { type Issuer, publicJwks, signAccessToken } from "../../test/shared/jwt.ts";

export const DEMO_IDP: Issuer = {
  issuer: "https://demo-idp.vaultline.local",
  audience: "vaultline-admin",
  rolesClaim: "roles",
  key: {
    kid: "demo-1",
    kty: "EC",
    crv: "P-256",
    x: "y_flqj31KLYrybp8jx97fLFF2NHrreIVbTmJQTMjfn8",
    y: "_ZBk0ZzbzohlCjpbKaGck4p2rBTEaQjlpWmfDUYwde0",
    d: "-V8GMZZ-pz6wZfetmwJZJtL0GlUlU0m26NaspkPKOls",
  },
};

export const DEMO_JWKS = publicJwks(DEMO_IDP.key);

/** The demo's people: each signs in with a password and a second factor. */
export const DEMO_PEOPLE = {
  admin: { sub: "demo-admin", roles: ["admin"], amr: ["pwd", "hwk"] },
  approver: { sub: "demo-approver", roles: ["approver"], amr: ["pwd", "otp"] },
  requester: { sub: "demo-requester", roles: ["restore_requester"], amr: ["pwd", "otp"] },
  auditor: { sub: "demo-auditor", roles: ["auditor"], amr: ["pwd", "otp"] },
} as const;
export type DemoPerson = keyof typeof DEMO_PEOPLE;

/** A demo person's access token, valid for `hours`. */
export function demoToken(who: DemoPerson, hours = 12): Promise<string> {
  const p = DEMO_PEOPLE[who];
  return signAccessToken(DEMO_IDP, { sub: p.sub, roles: [...p.roles], amr: [...p.amr], expiresIn: hours * 3600 });
}
