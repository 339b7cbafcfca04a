import { introspectWorkflow, introspectWorkflowInstance } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, env, runBackup, seedWithEdgeCases, snapshot, waitFor, waitRestore } from "./helpers";

const PROD = { target_environment: "production", confirmation: "I understand this will overwrite current data" };

async function startProduction(body: Record<string, unknown>) {
  const started = await api("POST", "/admin/backup/restore", { body: { ...PROD, ...body }, as: "alice" });
  expect(started.status, JSON.stringify(started.json)).toBe(202);
  const waiting = await waitFor(
    async () => (await api("GET", `/admin/restore/${started.json.restore_id}`)).json,
    (r) => r.status !== "initiated" && r.status !== "running",
  );
  return { id: started.json.restore_id as string, waiting };
}

/** Everything production holds that these tests touch: the database and every asset (bytes and metadata). */
async function production() {
  const assets: Record<string, unknown> = {};
  for (const o of (await env.ASSETS_BUCKET.list({ include: ["httpMetadata", "customMetadata"] })).objects) {
    const body = new Uint8Array(await (await env.ASSETS_BUCKET.get(o.key))!.arrayBuffer());
    const digest = [...new Uint8Array(await crypto.subtle.digest("SHA-256", body))].map((b) => b.toString(16).padStart(2, "0")).join("");
    assets[o.key] = { size: o.size, sha256: digest, http: o.httpMetadata, custom: o.customMetadata };
  }
  return { db: await snapshot(env.OIDC_DB), assets };
}

describe("production restores: gate and approval", () => {
  it("wait for a second person: the requester, a viewer and another token of the requester are refused; an approver goes through the real endpoint", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 30);
    const b = await runBackup();
    const { id, waiting } = await startProduction({ backup_id: b.backup_id });
    expect(waiting.status).toBe("awaiting_approval");
    expect(waiting.gate_test_id).toMatch(/^tr_/);
    expect(waiting.approval.requested_by).toBe("alice@admin");
    expect(Date.parse(waiting.approval.expires_at) - Date.now()).toBeGreaterThan(23 * 3_600_000);
    const gate = (await api("GET", `/admin/test-restores/${waiting.gate_test_id}`)).json;
    expect(gate).toMatchObject({ status: "passed", backup_id: b.backup_id, trigger: "gate" });

    const body = { comment: "looks right" };
    const own = await api("POST", `/admin/restore/${id}/approve`, { as: "alice", body });
    expect(own.status).toBe(403);
    expect(own.json.error.message).toMatch(/requires the approver role/);
    const viewer = await api("POST", `/admin/restore/${id}/approve`, { as: "viewer", body });
    expect(viewer.status).toBe(403);
    const sameSubject = await api("POST", `/admin/restore/${id}/approve`, { as: "aliceAsApprover", body });
    expect(sameSubject.status).toBe(403);
    expect(sameSubject.json.error.message).toMatch(/alice@admin requested restore .* cannot approve it: a second person must/);
    // An approver's API token never approves; nor does the approver signed in without a second factor.
    const byToken = await api("POST", `/admin/restore/${id}/approve`, { as: "approver", body });
    expect(byToken.status).toBe(403);
    expect(byToken.json.error).toMatchObject({ code: "mfa_required", message: expect.stringMatching(/API tokens never can/) });
    const noMfa = await api("POST", `/admin/restore/${id}/approve`, { as: "bobNoMfa", body });
    expect(noMfa.status).toBe(403);
    expect(noMfa.json.error).toMatchObject({
      code: "mfa_required",
      message: expect.stringMatching(/amr is \[pwd\]; one of mfa, otp, hwk, swk is required/),
    });
    const noComment = await api("POST", `/admin/restore/${id}/approve`, { as: "bob", body: { comment: " " } });
    expect(noComment.status).toBe(400);
    expect(noComment.json.error.field).toBe("comment");

    const ok = await api("POST", `/admin/restore/${id}/approve`, { as: "bob", body });
    expect(ok.status).toBe(200);
    const again = await api("POST", `/admin/restore/${id}/reject`, { as: "bob", body: { comment: "changed my mind" } });
    expect(again.status).toBe(409);
    const done = await waitRestore(id);
    expect(done.status, JSON.stringify(done.error)).toBe("completed");
    expect(done.approval).toMatchObject({ decision: "approve", decided_by: "bob@approve", comment: "looks right" });
    expect(done.restores.map((r: any) => [r.component, r.status])).toEqual([["database", "completed"]]);
    expect(done.rollback_until).not.toBeNull();
    const audit = await env.CATALOG_DB.prepare(
      `SELECT actor, outcome FROM audit_log WHERE action = 'POST /admin/restore/:id/approve' ORDER BY id`,
    ).all();
    expect(audit.results.map((r: any) => [r.actor, r.outcome])).toEqual([
      // Refused by the access rules (a role, or the second factor the rule always asks for): one entry. Past them,
      // one entry ahead (102), then its result.
      ["alice@admin", 403],
      ["vera@view", 403],
      ["alice@admin", 102],
      ["alice@admin", 403],
      ["bob@approve", 403],
      ["bob@approve", 403],
      ["bob@approve", 102],
      ["bob@approve", 400],
      ["bob@approve", 102],
      ["bob@approve", 200],
    ]);
    const decided = await env.CATALOG_DB.prepare(`SELECT actor, detail FROM audit_log WHERE action = 'restore.approved' AND target = ?`)
      .bind(id)
      .first();
    expect(decided).toEqual({ actor: "bob@approve", detail: JSON.stringify({ comment: "looks right" }) });
  });

  it("an approval that does not come in time cancels the restore; approving afterwards is refused", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 20);
    const b = await runBackup();
    const before = await snapshot(env.OIDC_DB);
    await using prod = await introspectWorkflow(env.PRODUCTION_RESTORE);
    await prod.modifyAll(async (m) => m.forceEventTimeout({ name: "approval" }));
    const started = await api("POST", "/admin/backup/restore", { body: { ...PROD, backup_id: b.backup_id }, as: "alice" });
    const done = await waitRestore(started.json.restore_id, { approve: false });
    expect(done.status).toBe("cancelled");
    expect(done.error.code).toBe("approval_timeout");
    const late = await api("POST", `/admin/restore/${started.json.restore_id}/approve`, { as: "bob", body: { comment: "sorry, late" } });
    expect(late.status).toBe(409);
    expect(late.json.error.message).toMatch(/is cancelled/);
    expect(await snapshot(env.OIDC_DB)).toEqual(before);
  });

  it("a rejection cancels the restore with the approver's reason; nothing changes", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 20);
    const b = await runBackup();
    const before = await snapshot(env.OIDC_DB);
    const { id } = await startProduction({ backup_id: b.backup_id });
    expect(
      (await api("POST", `/admin/restore/${id}/reject`, { as: "bob", body: { comment: "wrong backup: use last night's" } })).status,
    ).toBe(200);
    const done = await waitRestore(id, { approve: false });
    expect(done).toMatchObject({
      status: "cancelled",
      error: { code: "rejected", message: "rejected by bob@approve: wrong backup: use last night's" },
    });
    expect(done.safety_backups).toBeNull();
    expect(await snapshot(env.OIDC_DB)).toEqual(before);
  });

  it("a failing test restore at the gate stops the restore before approval", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 20);
    const b = await runBackup();
    await using drills = await introspectWorkflow(env.TEST_RESTORE);
    await drills.modifyAll(async (m) => {
      await m.disableRetryDelays();
      await m.mockStepError({ name: "check database" }, new Error("probe failed"));
    });
    const started = await api("POST", "/admin/backup/restore", { body: { ...PROD, backup_id: b.backup_id }, as: "alice" });
    const done = await waitRestore(started.json.restore_id, { approve: false });
    expect(done.status).toBe("failed");
    expect(done.error.code).toBe("gate_failed");
    expect(done.approval.expires_at).toBeNull();
  });
});

describe("production restores: safety snapshot and rollback", () => {
  async function setUp() {
    await seedWithEdgeCases(env.OIDC_DB, 40);
    await env.ASSETS_BUCKET.put("branding/logo.svg", "<svg>v1</svg>", { httpMetadata: { contentType: "image/svg+xml" } });
    await env.ASSETS_BUCKET.put(
      "avatars/1.png",
      new Uint8Array(9000).map((_, i) => i % 7),
      { customMetadata: { user: "1" } },
    );
    const db = await runBackup();
    const created = await api("POST", "/admin/backup/create", { body: { type: "assets" } });
    const assets = await waitFor(
      async () => (await api("GET", `/admin/backup/${created.json.backup_id}`)).json,
      (x) => x.status === "completed",
    );
    // Later changes, which the restore would undo.
    await env.OIDC_DB.prepare("DELETE FROM users WHERE id <= 5").run();
    await env.ASSETS_BUCKET.put("branding/logo.svg", "<svg>v2</svg>", { httpMetadata: { contentType: "image/svg+xml" } });
    return { db: db.backup_id as string, assets: assets.backup_id as string };
  }

  it("a failure in a later stage, after the database stage wrote its data, rolls every component back to exactly its pre-restore state", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 40);
    await env.ASSETS_BUCKET.put("branding/logo.svg", "<svg>v1</svg>", { httpMetadata: { contentType: "image/svg+xml" } });
    await env.ASSETS_BUCKET.put(
      "avatars/1.png",
      new Uint8Array(9000).map((_, i) => i % 7),
      { customMetadata: { user: "1" } },
    );
    await using sys = await introspectWorkflow(env.FULL_SYSTEM_BACKUP);
    await sys.modifyAll(async (m) => m.disableSleeps());
    const created = await api("POST", "/admin/backup/create", { body: { type: "full_system" } });
    const system = await waitFor(
      async () => (await api("GET", `/admin/backup/${created.json.backup_id}`)).json,
      (x) => x.status === "completed" || x.status === "failed",
      120_000,
    );
    expect(system.status).toBe("completed");
    // Later changes, which the restore would undo: deleted users, a changed logo.
    await env.OIDC_DB.prepare("DELETE FROM users WHERE id <= 5").run();
    await env.ASSETS_BUCKET.put("branding/logo.svg", "<svg>v2</svg>", { httpMetadata: { contentType: "image/svg+xml" } });
    const before = await production();

    const { id, waiting } = await startProduction({ backup_id: system.backup_id, components: ["database", "assets"] });
    expect(waiting.status).toBe("awaiting_approval");
    // The asset stage will fail (injected into its restore instance), after the database stage replaced OIDC_DB.
    await using assetStage = await introspectWorkflowInstance(env.ASSET_RESTORE, `rs_${id.slice(3)}_assets`);
    await assetStage.modify(async (m) => {
      await m.disableRetryDelays();
      await m.mockStepError({ name: "restore 1" }, new Error("injected: R2 write failed"));
    });
    await api("POST", `/admin/restore/${id}/approve`, { as: "bob", body: { comment: "go" } });
    const done = await waitRestore(id);
    expect(done.status, JSON.stringify(done)).toBe("rolled_back");
    expect(done.error.message).toMatch(/injected: R2 write failed/);
    expect(Object.keys(done.safety_backups).sort()).toEqual(["assets", "database"]);
    const stages = Object.fromEntries(done.restores.map((r: any) => [r.restore_id.slice(id.length), r.status]));
    expect(stages).toEqual({ _database: "completed", _assets: "failed", _rollback_assets: "completed", _rollback_database: "completed" });
    expect(done.log.map((l: any) => l.message).join("\n")).toMatch(
      /stage database: restored[\s\S]*rolled back assets[\s\S]*rolled back database/,
    );
    // Byte for byte: every row and schema object, every asset's bytes and metadata.
    expect(await production()).toEqual(before);
  });

  it("rolls a completed restore back on request, within the window", async () => {
    const backups = await setUp();
    const before = await production();
    const { id } = await startProduction({ backup_id: backups.db });
    await api("POST", `/admin/restore/${id}/approve`, { as: "bob", body: { comment: "go" } });
    const done = await waitRestore(id);
    expect(done.status).toBe("completed");
    expect((await production()).db).not.toEqual(before.db);

    expect((await api("POST", `/admin/restore/${id}/rollback`, { as: "operator" })).status).toBe(403);
    expect((await api("POST", `/admin/restore/${id}/rollback`, { as: "admin" })).json.error.code).toBe("mfa_required");
    const rb = await api("POST", `/admin/restore/${id}/rollback`, { as: "alice" });
    expect(rb.status).toBe(202);
    const rolled = await waitRestore(rb.json.restore_id);
    expect(rolled.status, JSON.stringify(rolled.error)).toBe("completed");
    expect(await production()).toEqual(before);
    expect((await api("GET", `/admin/restore/${id}`)).json).toMatchObject({
      status: "rolled_back",
      error: { code: "rolled_back_on_request" },
    });
    expect((await api("POST", `/admin/restore/${id}/rollback`, { as: "alice" })).status).toBe(409);
  });
});
