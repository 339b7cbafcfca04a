// Attack: one admin credential (or one insider) destroys protection without a restore: lowers retention so the next
// run prunes, releases a legal hold, removes change capture, retires a master key. Defence: src/changes/two-person.ts
// and the routes that call it: the floor never goes below BACKUP_RETENTION_DAYS; each of these needs the
// requester's second factor and a second person's approval; a weakened policy applies only after a delay.
import { describe, expect, it } from "vitest";
import worker from "../../../src/index";
import { applyDueChanges } from "../../../src/changes/two-person";
import { TEST_TOKENS } from "../../tokens";
import { api, approveChange, env, runBackup, seedWithEdgeCases } from "../helpers";

const LOWER = { min_retention_days: 1, rules: [{ match: {}, keep: { last: 1 } }] };
const HOUR = 3_600_000;
const policyVersion = async () => (await api("GET", "/admin/backup/policies")).json.version as number;

describe("attack: one person lowers protection", () => {
  it("a floor below BACKUP_RETENTION_DAYS is refused, naming the field", async () => {
    const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;
    const res = await worker.fetch!(
      new Request("http://vaultline.test/admin/backup/policies", {
        method: "PUT",
        headers: { authorization: `Bearer ${TEST_TOKENS.admin.token}`, "content-type": "application/json" },
        body: JSON.stringify(LOWER),
      }) as any,
      { ...env, BACKUP_RETENTION_DAYS: "30" } as any,
      ctx,
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as any;
    expect(body.error).toMatchObject({ field: "min_retention_days", message: expect.stringMatching(/below BACKUP_RETENTION_DAYS \(30\)/) });
  });

  it("lowering the policy: an API token is refused; a person asks, the same person cannot approve, a second one can, and it applies only after the delay", async () => {
    const before = await policyVersion();
    const byToken = await api("PUT", "/admin/backup/policies", { as: "admin", body: LOWER });
    expect(byToken.status).toBe(403);
    expect(byToken.json.error.code).toBe("mfa_required");

    const asked = await api("PUT", "/admin/backup/policies", { as: "alice", body: LOWER });
    expect(asked.status).toBe(202);
    expect(asked.json).toMatchObject({ kind: "policy", status: "awaiting_approval", requested_by: "alice@admin" });
    expect(asked.json.summary).toMatch(/lower the retention policy/);
    expect(await policyVersion()).toBe(before);
    const own = await api("POST", `/admin/changes/${asked.json.change_id}/approve`, { as: "aliceAsApprover", body: { comment: "mine" } });
    expect(own.status).toBe(403);
    const byApproverToken = await api("POST", `/admin/changes/${asked.json.change_id}/approve`, {
      as: "approver",
      body: { comment: "ok" },
    });
    expect(byApproverToken.json.error.code).toBe("mfa_required");

    const approved = await approveChange(asked.json.change_id);
    expect(approved.status).toBe("approved");
    expect(Date.parse(approved.effective_at) - Date.now()).toBeGreaterThan(23 * HOUR);
    expect((await applyDueChanges(env)).applied).toEqual([]);
    expect(await policyVersion()).toBe(before);
    expect((await applyDueChanges(env, new Date(Date.now() + 25 * HOUR))).applied).toEqual([asked.json.change_id]);
    expect(await policyVersion()).toBe(before + 1);

    // Raising it again needs nobody else.
    const raise = await api("PUT", "/admin/backup/policies", {
      as: "admin",
      body: { min_retention_days: 2, rules: [{ match: {}, keep: { last: 5 } }] },
    });
    expect(raise.status).toBe(200);
  });

  it("releasing a legal hold waits for a second person; a rejection leaves it held", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 5);
    const b = await runBackup();
    const hold = await api("POST", `/admin/backup/${b.backup_id}/legal-hold`, { body: { reason: "case 7: preserve" } });
    expect(hold.status).toBe(201);
    expect((await api("POST", `/admin/legal-holds/${hold.json.id}/release`, { as: "admin", body: { reason: "done" } })).status).toBe(403);
    const asked = await api("POST", `/admin/legal-holds/${hold.json.id}/release`, { as: "alice", body: { reason: "done" } });
    expect(asked.status).toBe(202);
    const rejected = await api("POST", `/admin/changes/${asked.json.change_id}/reject`, {
      as: "bob",
      body: { comment: "case still open" },
    });
    expect(rejected.json.status).toBe("rejected");
    const holds = (await api("GET", `/admin/legal-holds?active=true&backup_id=${b.backup_id}`, { as: "viewer" })).json.holds;
    expect(holds.map((h: any) => h.id)).toEqual([hold.json.id]);
  });

  it("removing change capture waits for a second person; until then the triggers stay", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 5);
    expect((await api("POST", "/admin/capture/install")).status).toBe(200);
    expect((await api("POST", "/admin/capture/remove", { as: "admin" })).status).toBe(403);
    const asked = await api("POST", "/admin/capture/remove", { as: "alice" });
    expect(asked.status).toBe(202);
    expect((await api("POST", "/admin/capture/remove", { as: "alice" })).status).toBe(409);
    const triggers = async () =>
      (await env.OIDC_DB.prepare(
        `SELECT count(*) AS n FROM sqlite_master WHERE type = 'trigger' AND name LIKE '\\_vaultline\\_cap\\_%' ESCAPE '\\'`,
      ).first("n")) as number;
    expect(await triggers()).toBeGreaterThan(0);
    expect((await approveChange(asked.json.change_id)).status).toBe("applied");
    expect(await triggers()).toBe(0);
  });
});
