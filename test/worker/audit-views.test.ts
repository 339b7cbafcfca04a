// Read-only polling is counted, not chained per request (src/audit/views.ts): an open dashboard tab would otherwise
// write an entry every two seconds. What stays one entry per call: a refused read, a read of backup data, and any
// read that is not marked as a poll.
import { describe, expect, it } from "vitest";
import { chainViews } from "../../src/audit/views";
import { verifyAuditChain } from "../../src/audit/verify";
import { api, env, waitFor } from "./helpers";

const POLL = { "x-vaultline-poll": "1" };
const entries = async (actor: string, action: string) =>
  (await env.CATALOG_DB.prepare("SELECT count(*) AS n FROM audit_log WHERE actor = ? AND action = ?")
    .bind(actor, action)
    .first<number>("n")) ?? 0;

describe("dashboard polls", () => {
  it("50 polls of a list write no entry each; they are counted and chained as one audit.views entry per person and minute", async () => {
    const before = await entries("vera@view", "GET /admin/backup/list");
    for (let i = 0; i < 50; i++) expect((await api("GET", "/admin/backup/list", { as: "viewer", headers: POLL })).status).toBe(200);
    expect(await entries("vera@view", "GET /admin/backup/list")).toBe(before);
    const counted = await env.CATALOG_DB.prepare(
      "SELECT sum(n) AS n FROM view_counts WHERE actor = 'vera@view' AND route = 'GET /admin/backup/list' AND chained = 0",
    ).first<number>("n");
    expect(counted).toBe(50);

    // A poll that is refused, and a read that is not a poll, are entries of their own.
    expect((await api("GET", "/admin/audit", { as: "viewer", headers: POLL })).status).toBe(403);
    expect(await entries("vera@view", "GET /admin/audit")).toBe(1);
    await api("GET", "/admin/backup/list", { as: "viewer" });
    expect(await entries("vera@view", "GET /admin/backup/list")).toBe(before + 1);

    // Once the minute has closed, the seal chains it: one entry for vera, with the route and how often.
    expect(await chainViews(env.CATALOG_DB, new Date(Date.now() + 120_000))).toBeGreaterThanOrEqual(1);
    const summary = await env.CATALOG_DB.prepare(
      "SELECT detail FROM audit_log WHERE actor = 'vera@view' AND action = 'audit.views' ORDER BY id DESC LIMIT 1",
    ).first<string>("detail");
    expect(JSON.parse(summary!)).toMatchObject({ requests: 50, routes: [{ route: "GET /admin/backup/list", n: 50 }] });
    expect((await verifyAuditChain(env)).ok).toBe(true);
  });

  it("a read of backup data is one entry per call even when marked as a poll", async () => {
    const created = await api("POST", "/admin/backup/create", { body: { type: "config" } });
    const done = await waitFor(
      async () => (await api("GET", `/admin/backup/${created.json.backup_id}`)).json,
      (b) => b.status === "completed" || b.status === "failed",
    );
    expect(done.status).toBe("completed");
    const subject = (await api("GET", "/admin/whoami", { as: "admin" })).json.subject;
    const before = await entries(subject, "GET /admin/backup/:id/config");
    for (let i = 0; i < 3; i++)
      expect((await api("GET", `/admin/backup/${created.json.backup_id}/config`, { as: "admin", headers: POLL })).status).toBe(200);
    expect(await entries(subject, "GET /admin/backup/:id/config")).toBe(before + 3);
  });
});
