// Cloudflare Access in front of the dashboard (docs/ACCESS.md, "Cloudflare Access"): the assertion Access adds is a
// credential only when it is the team's, for this application, unexpired, with a Vaultline role; a change sent with
// it must be JSON, which no cross-site form can send (the browser attaches the Access cookie to any request).
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { authenticate } from "../../src/auth/authenticate";
import { accessAssertion, TEST_ACCESS } from "../shared/cloudflare-access";
import { env } from "./helpers";

async function call(method: string, path: string, assertion: string, init: { body?: string; type?: string } = {}) {
  const res = await (exports as any).default.fetch(
    new Request(`http://vaultline.test${path}`, {
      method,
      headers: { "cf-access-jwt-assertion": assertion, ...(init.type ? { "content-type": init.type } : {}) },
      body: init.body,
    }),
  );
  return { status: res.status as number, json: (await res.json()) as any };
}

describe("Cloudflare Access", () => {
  it("an Access assertion signs a person in: subject the e-mail, roles and the second factor from the identity provider's claims", async () => {
    const me = await call(
      "GET",
      "/admin/whoami",
      await accessAssertion({ email: "olga@ops.example", roles: ["operator"], amr: ["pwd", "hwk"] }),
    );
    expect(me.status).toBe(200);
    expect(me.json).toEqual({ subject: "olga@ops.example", roles: ["operator", "viewer"], via: "access", second_factor: true });
    const config = await (exports as any).default.fetch(new Request("http://vaultline.test/dashboard/config"));
    expect(await config.json()).toEqual({ mode: "access" });
  });

  it("refuses another application's assertion, an expired one, one without a role, and none at all when Access is not configured", async () => {
    for (const [assertion, why] of [
      [await accessAssertion({ email: "a@x", roles: ["admin"], audience: "another-app" }), /aud is wrong/],
      [await accessAssertion({ email: "a@x", roles: ["admin"], expiresIn: -120 }), /expired/],
      [await accessAssertion({ email: "a@x", roles: [] }), /no Vaultline role/],
      ["not-a-jwt", /signature or format/],
    ] as const) {
      const r = await call("GET", "/admin/whoami", assertion);
      expect(r.status).toBe(401);
      expect(r.json.error.message).toMatch(why);
    }
    const valid = await accessAssertion({ email: "a@x", roles: ["admin"] });
    await expect(
      authenticate({ authorization: undefined, access: valid }, { ...env, ACCESS_TEAM_DOMAIN: undefined, ACCESS_AUD: undefined } as never),
    ).rejects.toThrow(/missing bearer token/);
    expect(TEST_ACCESS.team).toMatch(/cloudflareaccess\.com$/);
  });

  it("a change sent with an Access assertion must be JSON: a cross-site form (text/plain, urlencoded) is refused before anything runs", async () => {
    const operator = await accessAssertion({ email: "olga@ops.example", roles: ["operator"] });
    for (const type of ["text/plain", "application/x-www-form-urlencoded", undefined]) {
      const r = await call("POST", "/admin/backup/create", operator, { body: '{"type":"config"}', type });
      expect(r.status, String(type)).toBe(403);
      expect(r.json.error.message).toMatch(/application\/json/);
    }
    const ok = await call("POST", "/admin/backup/create", operator, { body: '{"type":"config"}', type: "application/json" });
    expect(ok.status).toBe(202);
    const audited = await env.CATALOG_DB.prepare(
      "SELECT count(*) AS n FROM audit_log WHERE actor = 'olga@ops.example' AND action = 'POST /admin/backup/create' AND outcome = 403",
    ).first<number>("n");
    expect(audited).toBe(3);
  });
});
