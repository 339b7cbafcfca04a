// Attack: a requester asks for a narrow-sounding production restore, and the approver approves without seeing
// that it overwrites more (a whole database, another user, an older instant). Defence: the restore's status and
// the health report (the dashboard's approval list) say per component exactly what approving lets overwrite.
import { describe, expect, it } from "vitest";
import { api, env, runBackup, seedWithEdgeCases, waitFor } from "../helpers";

const PROD = { target_environment: "production", confirmation: "I understand this will overwrite current data" };

async function waiting(body: Record<string, unknown>) {
  const started = await api("POST", "/admin/backup/restore", { body: { ...PROD, ...body }, as: "alice" });
  expect(started.status, JSON.stringify(started.json)).toBe(202);
  const status = await waitFor(
    async () => (await api("GET", `/admin/restore/${started.json.restore_id}`, { as: "bob" })).json,
    (r) => r.status !== "initiated" && r.status !== "running",
  );
  expect(status.status).toBe("awaiting_approval");
  return status;
}

describe("attack: approving what one cannot see", () => {
  it("a one-user restore shows the user, the table set and the backup to the approver, in the status and in health", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 10);
    const b = await runBackup();
    const status = await waiting({ backup_id: b.backup_id, database: { user_id: 7 } });
    expect(status.selection).toEqual([
      {
        component: "database",
        backup_id: b.backup_id,
        scope: expect.stringMatching(/^user 7: its row in \S+ and every row that refers to it$/),
      },
    ]);
    const health = (await api("GET", "/admin/backup/health", { as: "viewer" })).json;
    expect(health.workflows.awaiting_approval).toEqual([
      expect.objectContaining({ id: status.restore_id, requested_by: "alice@admin", selection: status.selection }),
    ]);
    await api("POST", `/admin/restore/${status.restore_id}/reject`, { as: "bob", body: { comment: "not now" } });
  });

  it("a whole-database restore says so", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 10);
    const b = await runBackup();
    const status = await waiting({ backup_id: b.backup_id });
    expect(status.selection).toEqual([{ component: "database", backup_id: b.backup_id, scope: "whole database" }]);
    await api("POST", `/admin/restore/${status.restore_id}/reject`, { as: "bob", body: { comment: "not now" } });
  });
});
