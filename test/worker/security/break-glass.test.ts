// Break-glass: the provider that signs people in is down, so nobody can sign in with a second factor to ask for or
// approve a production restore. Custodians' offline Ed25519 keys stand in (src/break-glass/verify.ts,
// src/api/routes/break-glass.ts). Attacks on it: too few custodians, one custodian signing twice, a signature
// carried over to another request, an expired or far-future request, a replay of a used request, a test restore.
import { describe, expect, it } from "vitest";
import worker from "../../../src/index";
import { requestDigest, signedMessage, toBase64Url } from "../../../src/break-glass/request-digest";
import { eventOf } from "../../../src/notify/events";
import { api, env, runBackup, seedWithEdgeCases, waitFor } from "../helpers";

const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;

async function custodian(name: string) {
  const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const publicKey = toBase64Url(new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer));
  return {
    entry: { name, public_key: publicKey },
    sign: async (request: unknown) => ({
      custodian: name,
      signature: toBase64Url(
        new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, pair.privateKey, signedMessage(await requestDigest(request)))),
      ),
    }),
  };
}

function request(restore: Record<string, unknown>, o: { hours?: number } = {}) {
  return {
    purpose: "vaultline-break-glass-restore",
    restore: { target_environment: "production", confirmation: "I understand this will overwrite current data", ...restore },
    reason: "provider down since 09:12, database corrupted",
    operator: "on-call: erin",
    expires_at: new Date(Date.now() + (o.hours ?? 2) * 3_600_000).toISOString(),
    nonce: [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join(""),
  };
}

async function submit(custodians: unknown, body: unknown) {
  const res = await worker.fetch!(
    new Request("http://vaultline.test/break-glass/restore", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    }) as any,
    { ...env, ...(custodians ? { BREAK_GLASS_CUSTODIANS: JSON.stringify(custodians) } : {}) } as any,
    ctx,
  );
  return { status: res.status, json: (await res.json()) as any };
}

describe("break-glass: M custodians instead of sign-in", () => {
  it("two custodians' signatures start a production restore that runs every stage, audited before it starts and notified as critical", async () => {
    const [carol, dave, frank] = await Promise.all(["carol", "dave", "frank"].map(custodian));
    const config = { threshold: 2, custodians: [carol!.entry, dave!.entry, frank!.entry] };
    await seedWithEdgeCases(env.OIDC_DB, 10);
    const b = await runBackup();
    const req = request({ backup_id: b.backup_id });
    const started = await submit(config, { request: req, signatures: [await carol!.sign(req), await frank!.sign(req)] });
    expect(started.status, JSON.stringify(started.json)).toBe(202);
    expect(started.json.break_glass).toMatchObject({ custodians: ["carol", "frank"], digest: await requestDigest(req) });
    const done = await waitFor(
      async () => (await api("GET", `/admin/restore/${started.json.restore_id}`)).json,
      (r) => ["completed", "failed", "cancelled", "rolled_back"].includes(r.status),
    );
    expect(done.status, JSON.stringify(done.error)).toBe("completed");
    expect(done.gate_test_id).toMatch(/^tr_/);
    expect(done.approval).toMatchObject({ decision: "approve", decided_by: "break-glass:carol+frank" });
    expect(done.safety_backups.database).toMatch(/^bk_safety_/);

    const entries = (await env.CATALOG_DB.prepare(`SELECT id, action, actor, detail FROM audit_log ORDER BY id`).all<any>()).results;
    const used = entries.find((e) => e.action === "break_glass.used");
    const requested = entries.find((e) => e.action === "restore.requested" && e.actor.startsWith("break-glass"));
    expect(used.id).toBeLessThan(requested.id);
    expect(JSON.parse(used.detail)).toMatchObject({ custodians: ["carol", "frank"], operator: "on-call: erin", backup_id: b.backup_id });
    expect(eventOf({ ...used, at: new Date().toISOString(), hash: "x", target: "d", outcome: 1 }, "https://v.test")?.severity).toBe(
      "critical",
    );

    // The same signed request again: refused, whoever sends it.
    const replay = await submit(config, { request: req, signatures: [await carol!.sign(req), await dave!.sign(req)] });
    expect(replay.status).toBe(409);
    expect(replay.json.error.message).toMatch(/was used at .* \(restore rs_/);
  });

  it("too few custodians, one signing twice, a signature over another request, a stranger: refused, each named", async () => {
    const [carol, dave] = await Promise.all(["carol", "dave"].map(custodian));
    const mallory = await custodian("mallory");
    const config = { threshold: 2, custodians: [carol!.entry, dave!.entry] };
    const req = request({ backup_id: "bk_20261201T000000Z_00000000" });
    const other = { ...req, restore: { ...req.restore, backup_id: "bk_20261130T000000Z_11111111" } };

    const one = await submit(config, { request: req, signatures: [await carol!.sign(req)] });
    expect(one.status).toBe(403);
    expect(one.json.error.message).toMatch(/needs 2 distinct custodians' signatures over this request .*; 1 verified/);
    const twice = await submit(config, { request: req, signatures: [await carol!.sign(req), await carol!.sign(req)] });
    expect(twice.status).toBe(403);
    expect(twice.json.error.message).toMatch(/carol: signed twice/);
    const carried = await submit(config, { request: req, signatures: [await carol!.sign(req), await dave!.sign(other)] });
    expect(carried.status).toBe(403);
    expect(carried.json.error.message).toMatch(/dave: the signature is not over this request/);
    const stranger = await submit(config, { request: req, signatures: [await carol!.sign(req), await mallory.sign(req)] });
    expect(stranger.status).toBe(403);
    expect(stranger.json.error.message).toMatch(/mallory: not a custodian/);
  });

  it("an expired or far-future request, a test restore, and a deployment without custodians are refused", async () => {
    const [carol, dave] = await Promise.all(["carol", "dave"].map(custodian));
    const config = { threshold: 2, custodians: [carol!.entry, dave!.entry] };
    const both = async (r: unknown) => [await carol!.sign(r), await dave!.sign(r)];

    const expired = request({ backup_id: "bk_20261201T000000Z_00000000" }, { hours: -1 });
    expect((await submit(config, { request: expired, signatures: await both(expired) })).json.error.message).toMatch(/expired at/);
    const far = request({ backup_id: "bk_20261201T000000Z_00000000" }, { hours: 48 });
    const farAnswer = await submit(config, { request: far, signatures: await both(far) });
    expect(farAnswer.status).toBe(400);
    expect(farAnswer.json.error.field).toBe("request.expires_at");
    const test = request({ backup_id: "bk_20261201T000000Z_00000000", target_environment: "test" });
    const testAnswer = await submit(config, { request: test, signatures: await both(test) });
    expect(testAnswer.status).toBe(400);
    expect(testAnswer.json.error.field).toBe("request.restore.target_environment");
    const ok = request({ backup_id: "bk_20261201T000000Z_00000000" });
    expect((await submit(null, { request: ok, signatures: await both(ok) })).status).toBe(403);
    const weak = await submit({ threshold: 1, custodians: [carol!.entry, dave!.entry] }, { request: ok, signatures: await both(ok) });
    expect(weak.status).toBe(500);
    expect(weak.json.error).toMatchObject({ code: "config_error", field: "BREAK_GLASS_CUSTODIANS" });
  });
});
