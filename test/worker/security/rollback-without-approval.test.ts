// Attack: one admin undoes a production restore alone, and a one-user restore's "rollback" rewinds the whole
// database, erasing everyone else's writes since. Defence: a rollback is a production restore of the safety
// snapshot (src/api/routes/approvals.ts, workflows/production-restore.ts): a second person approves it, a fresh
// safety snapshot is taken first, and it covers the original restore's scope only (src/restore/plan.ts rollbackPlans).
import { describe, expect, it } from "vitest";
import { api, env, runBackup, seedWithEdgeCases, waitFor, waitRestore } from "../helpers";

const PROD = { target_environment: "production", confirmation: "I understand this will overwrite current data" };
const nameOf = async (id: number) => env.OIDC_DB.prepare(`SELECT name FROM users WHERE id = ?`).bind(id).first<string>("name");
const rename = (id: number, name: string) => env.OIDC_DB.prepare(`UPDATE users SET name = ? WHERE id = ?`).bind(name, id).run();

describe("attack: a rollback by one person, wider than the restore it undoes", () => {
  it("waits for a second person, takes a fresh safety snapshot, and puts back only the user the restore touched", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 12);
    await rename(7, "original");
    const b = await runBackup();
    await rename(7, "damaged");

    const started = await api("POST", "/admin/backup/restore", {
      body: { ...PROD, backup_id: b.backup_id, database: { user_id: 7 } },
      as: "alice",
    });
    expect(started.status, JSON.stringify(started.json)).toBe(202);
    const restored = await waitRestore(started.json.restore_id);
    expect(restored.status, JSON.stringify(restored.error)).toBe("completed");
    expect(await nameOf(7)).toBe("original");
    // Someone else's write after the restore: no rollback of user 7 may take it away.
    await rename(8, "changed after the restore");

    const rb = await api("POST", `/admin/restore/${started.json.restore_id}/rollback`, { as: "alice" });
    expect(rb.status, JSON.stringify(rb.json)).toBe(202);
    expect(rb.json.stages).toEqual(["approval", "safety snapshot", "restore database", "final verification"]);
    const waiting = await waitFor(
      async () => (await api("GET", `/admin/restore/${rb.json.restore_id}`)).json,
      (r) => r.status !== "initiated" && r.status !== "running",
    );
    expect(waiting.status).toBe("awaiting_approval");
    expect(waiting.selection).toEqual([
      expect.objectContaining({ component: "database", scope: expect.stringMatching(/^user 7: .*back as it was before rs_/) }),
    ]);
    expect(await nameOf(7)).toBe("original");
    const own = await api("POST", `/admin/restore/${rb.json.restore_id}/approve`, { as: "aliceAsApprover", body: { comment: "mine" } });
    expect(own.status).toBe(403);

    const rolled = await waitRestore(rb.json.restore_id); // bob approves
    expect(rolled.status, JSON.stringify(rolled.error)).toBe("completed");
    expect(await nameOf(7)).toBe("damaged");
    expect(await nameOf(8)).toBe("changed after the restore");
    expect(rolled.approval).toMatchObject({ decision: "approve", decided_by: "bob@approve" });
    expect(Object.values(rolled.safety_backups)).not.toEqual(Object.values(restored.safety_backups));
    expect((await api("GET", `/admin/restore/${started.json.restore_id}`)).json).toMatchObject({
      status: "rolled_back",
      error: { code: "rolled_back_on_request" },
    });
  });
});
