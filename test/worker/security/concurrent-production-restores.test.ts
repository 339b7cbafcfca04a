// Attack (or accident): two production restores at once, each overwriting what the other restores. Defence: the
// one_production_restore index (migrations/catalog/0013) makes "one at a time" a constraint of the catalog, not a
// check made in one statement and recorded in another.
import { describe, expect, it } from "vitest";
import { insertRestore } from "../../../src/catalog/restores";
import { api, env, runBackup, seedWithEdgeCases } from "../helpers";

const PROD = { target_environment: "production", confirmation: "I understand this will overwrite current data" };

describe("attack: racing production restores", () => {
  it("the catalog itself refuses a second production restore in progress, whatever checked before", async () => {
    const row = { backup_id: "bk_x", components: ["database"], target_environment: "production", target_binding: "production" };
    await insertRestore(env.CATALOG_DB, { ...row, id: "rs_race_1", requested_by: "alice@admin" });
    await expect(insertRestore(env.CATALOG_DB, { ...row, id: "rs_race_2", requested_by: "rita@request" })).rejects.toThrow(
      /production restore rs_race_1 is in progress; one at a time/,
    );
    // Restores into other targets, and component restores (their own bindings), are not held back.
    await insertRestore(env.CATALOG_DB, {
      ...row,
      id: "rs_race_3",
      requested_by: "x",
      target_environment: "test",
      target_binding: "RESTORE_TARGET_DB",
    });
    await env.CATALOG_DB.prepare(`UPDATE restores SET status = 'completed' WHERE id = 'rs_race_1'`).run();
    await insertRestore(env.CATALOG_DB, { ...row, id: "rs_race_4", requested_by: "rita@request" });
  });

  it("five requests at once: one is accepted, four answer 409", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 5);
    const b = await runBackup();
    const answers = await Promise.all(
      ["alice", "rita", "alice", "rita", "alice"].map((who) =>
        api("POST", "/admin/backup/restore", { body: { ...PROD, backup_id: b.backup_id }, as: who as "alice" }),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([202, 409, 409, 409, 409]);
    const active = await env.CATALOG_DB.prepare(
      `SELECT count(*) AS n FROM restores WHERE target_binding = 'production' AND status IN ('initiated', 'awaiting_approval', 'running')`,
    ).first("n");
    expect(active).toBe(1);
  });
});
