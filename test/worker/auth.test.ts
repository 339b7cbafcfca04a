import { chainUnauthenticated } from "../../src/audit/unauthenticated";
import { describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../../src/api/validate";
import { mintJwt, TEST_IDP, unsignedJwt } from "../shared/idp";
import { api, env, runBackup, seedWithEdgeCases } from "./helpers";

const VIEWER = { sub: "val@view", roles: ["viewer"], amr: ["pwd", "otp"] };
const PROD = { target_environment: "production", confirmation: "I understand this will overwrite current data" };

async function list(bearer: string) {
  return api("GET", "/admin/backup/list", { bearer });
}

describe("sign-in with the provider's JWTs", () => {
  it("a token from the issuer, for our audience, signed by a published key, lets its holder in under its subject and roles", async () => {
    const ok = await list(await mintJwt(VIEWER));
    expect(ok.status).toBe(200);
    const create = await api("POST", "/admin/backup/create", { bearer: await mintJwt(VIEWER), body: { type: "config" } });
    expect(create.status).toBe(403);
    expect(create.json.error.message).toMatch(/requires the operator role; val@view has viewer/);
    const audited = await env.CATALOG_DB.prepare(
      `SELECT actor, outcome FROM audit_log WHERE action = 'GET /admin/backup/list' ORDER BY id`,
    ).all();
    expect(audited.results).toEqual([{ actor: "val@view", outcome: 200 }]);
  });

  it.each([
    [
      "a bad signature",
      async () => ((t: string) => `${t.slice(0, -6)}${t.slice(-6) === "AAAAAA" ? "BBBBBB" : "AAAAAA"}`)(await mintJwt(VIEWER)),
      /signature does not verify/,
    ],
    ["the wrong issuer", () => mintJwt({ ...VIEWER, issuer: "https://evil.example" }), /iss claim is wrong/],
    ["the wrong audience", () => mintJwt({ ...VIEWER, audience: "some-other-app" }), /aud claim is wrong/],
    ["an expired token", () => mintJwt({ ...VIEWER, expiresIn: -120 }), /token has expired/],
    ["a token not valid yet", () => mintJwt({ ...VIEWER, notBefore: 600 }), /not valid yet \(nbf\)/],
    ["alg: none", async () => unsignedJwt(VIEWER), /algorithm is not allowed/],
    ["a key the issuer never published", () => mintJwt({ ...VIEWER, unpublishedKey: true }), /signed by a key the issuer does not publish/],
    ["no Vaultline role", () => mintJwt({ ...VIEWER, roles: ["some-other-app-role"] }), /no Vaultline role in claim vaultline_roles/],
  ])("refuses %s with 401 and says why", async (_what, token, reason) => {
    const r = await list(await token());
    expect(r.status).toBe(401);
    expect(r.json.error.code).toBe("unauthorized");
    expect(r.json.error.message).toMatch(reason);
  });

  it("a refused token is counted per source and minute, then chained as one anonymous entry; nothing of the token is stored", async () => {
    const token = await mintJwt({ ...VIEWER, expiresIn: -120 });
    expect((await list(token)).status).toBe(401);
    expect(await env.CATALOG_DB.prepare(`SELECT count(*) AS n FROM audit_log`).first("n")).toBe(0);
    const counted = await env.CATALOG_DB.prepare(`SELECT * FROM unauthenticated_requests`).all();
    expect(counted.results).toEqual([expect.objectContaining({ n: 1, chained: 0 })]);
    await chainUnauthenticated(env.CATALOG_DB, new Date(Date.now() + 120_000));
    const rows = await env.CATALOG_DB.prepare(`SELECT * FROM audit_log`).all();
    expect(rows.results).toEqual([expect.objectContaining({ actor: "anonymous", action: "auth.unauthenticated", outcome: 401 })]);
    expect(JSON.stringify([rows.results, counted.results])).not.toContain(token.split(".")[2]);
  });
});

describe("production restores need a person with a second factor", () => {
  it("refuses an API token and a password-only sign-in, says why, and lets a restore_requester with a second factor ask", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 10);
    const b = await runBackup();
    const body = { ...PROD, backup_id: b.backup_id };
    const byToken = await api("POST", "/admin/backup/restore", { as: "admin", body });
    expect(byToken.status).toBe(403);
    expect(byToken.json.error).toMatchObject({
      code: "mfa_required",
      message: expect.stringMatching(/restoring into production needs a person signed in with a second factor/),
    });
    const noMfa = await api("POST", "/admin/backup/restore", { as: "aliceNoMfa", body });
    expect(noMfa.status).toBe(403);
    expect(noMfa.json.error.message).toMatch(/amr is \[pwd\]/);
    const operator = await api("POST", "/admin/backup/restore", { as: "operator", body });
    expect(operator.json.error.message).toMatch(/requires the restore_requester role/);
    // A dry run changes nothing: the role suffices.
    expect((await api("POST", "/admin/backup/restore", { as: "restoreRequester", body: { ...body, dry_run: true } })).status).toBe(200);
    const rita = await api("POST", "/admin/backup/restore", { as: "rita", body });
    expect(rita.status, JSON.stringify(rita.json)).toBe(202);
    const row = await env.CATALOG_DB.prepare(`SELECT requested_by FROM restores WHERE id = ?`)
      .bind(rita.json.restore_id)
      .first("requested_by");
    expect(row).toBe("rita@request");
    const stop = await api("POST", `/admin/restore/${rita.json.restore_id}/reject`, { as: "bob", body: { comment: "test over" } });
    expect([200, 409]).toContain(stop.status);
  });
});

describe("bad input", () => {
  it(`a body over ${MAX_BODY_BYTES} bytes gets 413, by declared length or by what arrives`, async () => {
    const big = JSON.stringify({ type: "config", description: "x".repeat(MAX_BODY_BYTES) });
    const declared = await api("POST", "/admin/backup/create", { rawBody: big });
    expect(declared.status).toBe(413);
    expect(declared.json.error).toMatchObject({ code: "payload_too_large", message: expect.stringMatching(/limit is 65536/) });
    // Streamed without a length: refused once the limit is passed.
    const chunks = new ReadableStream({
      start(c) {
        for (let i = 0; i < 20; i++) c.enqueue(new TextEncoder().encode("x".repeat(8192)));
        c.close();
      },
    });
    const { exports } = await import("cloudflare:workers");
    const res = await (exports as any).default.fetch(
      new Request("http://vaultline.test/admin/backup/create", {
        method: "POST",
        headers: { authorization: "Bearer vl-test-admin-4c1f0b8e" },
        body: chunks,
        duplex: "half",
      } as RequestInit),
    );
    expect(res.status).toBe(413);
  });

  it("malformed JSON is 400; unknown fields and query parameters are refused by name; path ids are checked", async () => {
    expect((await api("POST", "/admin/backup/create", { rawBody: '{"type": "full"' })).json.error).toMatchObject({
      code: "invalid_request",
      message: "body is not valid JSON",
    });
    const extra = await api("POST", "/admin/backup/restore", {
      body: { backup_id: "bk_20260101T000000Z_abcd", target_environment: "test", force: true },
    });
    expect(extra.status).toBe(400);
    expect(extra.json.error.message).toMatch(/force/);
    const query = await api("GET", "/admin/backup/list?sort=desc");
    expect(query.status).toBe(400);
    expect(query.json.error.message).toMatch(/sort/);
    const auditQuery = await api("GET", "/admin/audit?who=alice", { as: "auditor" });
    expect(auditQuery.status).toBe(400);
    for (const path of ["/admin/backup/..%2Fconfig", "/admin/restore/rs_$(id)", "/admin/test-restores/tr_'--"]) {
      const r = await api("GET", path);
      expect(r.status, path).toBe(400);
      expect(r.json.error.field).toBe("id");
    }
  });
});

it("the issuer's keys are fetched from the configured JWKS URL", () => {
  expect(env.AUTH_JWKS_URL).toBe(TEST_IDP.jwksUrl);
});
