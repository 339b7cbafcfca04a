import { introspectWorkflow } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { SystemManifest } from "../../schemas/system-manifest";
import { Repository } from "../../src/repo/repository";
import { api, env, runRestore, seedWithEdgeCases, snapshot, userSnapshot, waitFor } from "./helpers";

async function systemBackup() {
  const created = await api("POST", "/admin/backup/create", { body: { type: "full_system", description: "weekly" } });
  expect(created.status).toBe(202);
  return waitFor(
    async () => (await api("GET", `/admin/backup/${created.json.backup_id}`)).json,
    (b) => b.status === "completed" || b.status === "failed",
    120_000,
  );
}

describe("full-system backups", () => {
  it("back up every component concurrently under one manifest that names them and the time they span", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 30);
    await env.ASSETS_BUCKET.put("branding/logo.svg", "<svg/>", { httpMetadata: { contentType: "image/svg+xml" } });
    const source = await snapshot(env.OIDC_DB);
    await using sys = await introspectWorkflow(env.FULL_SYSTEM_BACKUP);
    await sys.modifyAll(async (m) => m.disableSleeps());

    const b = await systemBackup();
    expect(b.status, JSON.stringify(b.error)).toBe("completed");
    expect(b.components).toEqual(["database", "sessions", "assets", "config"]);
    expect(b.component_backups.map((c: any) => [c.type, c.status])).toEqual([
      ["assets", "completed"],
      ["config", "completed"],
      ["full_database", "completed"],
      ["sessions", "completed"],
    ]);

    const repo = await Repository.open(env.BACKUP_BUCKET, env.BACKUP_ENCRYPTION_KEY);
    const m = SystemManifest.parse(await repo.getManifestJson(b.backup_id));
    expect(m.components.map((c) => c.backup_id).sort()).toEqual(b.component_backups.map((c: any) => c.backup_id).sort());
    expect(m.span.from <= m.span.to).toBe(true);

    // A component restores straight from the system backup.
    const restore = await runRestore(b.backup_id, "test");
    expect(restore.status, JSON.stringify(restore.error)).toBe("completed");
    expect(restore.backup_id).toBe(`${b.backup_id}_database`);
    expect(await snapshot(env.RESTORE_TARGET_DB)).toEqual(source);
  });

  it("fails naming the component that failed and why, while the other components stay complete and restorable", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 20);
    const source = await snapshot(env.OIDC_DB);
    await using sys = await introspectWorkflow(env.FULL_SYSTEM_BACKUP);
    await sys.modifyAll(async (m) => m.disableSleeps());
    await using assets = await introspectWorkflow(env.ASSET_BACKUP);
    await assets.modifyAll(async (m) => {
      await m.disableRetryDelays();
      await m.mockStepError({ name: "open repository" }, new Error("R2 bucket unreachable"));
    });

    const b = await systemBackup();
    expect(b.status).toBe("failed");
    expect(b.error.code).toBe("component_failed");
    expect(b.error.message).toMatch(/assets \(bk_[^)]+_assets\): .*R2 bucket unreachable/);
    const byType = Object.fromEntries(b.component_backups.map((c: any) => [c.type, c.status]));
    expect(byType).toEqual({ assets: "failed", config: "completed", full_database: "completed", sessions: "completed" });

    const list = await api("GET", "/admin/backup/list?status=completed");
    expect(list.json.backups.map((x: any) => x.type).sort()).toEqual(["config", "full_database", "sessions"]);
    const restore = await runRestore(`${b.backup_id}_database`, "test");
    expect(restore.status).toBe("completed");
    expect(await snapshot(env.RESTORE_TARGET_DB)).toEqual(source);
  });

  it("restores several components in one request, each by its own instance; a bad selection starts none", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 25);
    await env.ASSETS_BUCKET.put("branding/logo.svg", "<svg/>", { httpMetadata: { contentType: "image/svg+xml" } });
    const session = env.SESSIONS.get(env.SESSIONS.idFromName("shard-a")) as DurableObjectStub<
      import("../../examples/demo-provider/src/session-object").SessionObject
    >;
    await session.putSession("shard-a", { id: "s1", user_id: 1, data: { amr: ["pwd"] }, expires_at: Date.now() + 3_600_000 });
    // The provider's data: its session objects' change-feed marks (internal, _vaultline_) are not backed up.
    const source = await userSnapshot(env.OIDC_DB);
    await using sys = await introspectWorkflow(env.FULL_SYSTEM_BACKUP);
    await sys.modifyAll(async (m) => m.disableSleeps());
    const b = await systemBackup();
    expect(b.status, JSON.stringify(b.error)).toBe("completed");

    const bad = await api("POST", "/admin/backup/restore", {
      body: { backup_id: b.backup_id, target_environment: "test", components: ["database", "assets"], assets: { key: "missing.svg" } },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.field).toBe("assets.key");
    expect(await env.CATALOG_DB.prepare("SELECT count(*) AS n FROM restores").first("n")).toBe(0);

    const many = await api("POST", "/admin/backup/restore", {
      body: { backup_id: b.backup_id, target_environment: "test", components: ["database", "sessions", "assets"] },
    });
    expect(many.status).toBe(202);
    expect(many.json.restores.map((r: any) => [r.component, r.backup_id])).toEqual([
      ["database", `${b.backup_id}_database`],
      ["sessions", `${b.backup_id}_sessions`],
      ["assets", `${b.backup_id}_assets`],
    ]);
    for (const r of many.json.restores) {
      const done = await waitFor(
        async () => (await api("GET", `/admin/restore/${r.restore_id}`)).json,
        (x) => x.status === "completed" || x.status === "failed",
      );
      expect(done.status, `${r.component}: ${JSON.stringify(done.error)}`).toBe("completed");
    }
    expect(await userSnapshot(env.RESTORE_TARGET_DB)).toEqual(source);
    expect(await (await env.RESTORE_TARGET_BUCKET.get("branding/logo.svg"))!.text()).toBe("<svg/>");
    const sandbox = env.SESSIONS.get(env.SESSIONS.idFromName("sandbox:shard-a")) as DurableObjectStub<
      import("../../examples/demo-provider/src/session-object").SessionObject
    >;
    expect(await sandbox.dump()).toEqual(await session.dump());
  });
});

describe("monthly archives", () => {
  it("the 1st-of-the-month cron starts a monthly archive: a full-system backup recorded as the month's archive, restorable by component", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 20);
    const source = await snapshot(env.OIDC_DB);
    await using sys = await introspectWorkflow(env.FULL_SYSTEM_BACKUP);
    await sys.modifyAll(async (m) => m.disableSleeps());
    const { runSchedule } = await import("../../src/schedule/run-schedule");
    // What the run started, in order: the archive's id among them (other entries name what else the cron did).
    const id = (await runSchedule(env as any, "0 1 1 * *")).find((d) => d.startsWith("bk_"));
    const b = await waitFor(
      async () => (await api("GET", `/admin/backup/${id}`)).json,
      (x) => x.status === "completed" || x.status === "failed",
      120_000,
    );
    expect(b.status, JSON.stringify(b.error)).toBe("completed");
    expect(b.type).toBe("monthly_archive");
    expect(b.trigger).toBe("schedule");
    expect(b.component_backups.map((c: any) => c.type).sort()).toEqual(["assets", "config", "full_database", "sessions"]);
    const repo = await Repository.open(env.BACKUP_BUCKET, env.BACKUP_ENCRYPTION_KEY);
    expect((await repo.readManifest(id!, SystemManifest, "a system")).type).toBe("monthly_archive");
    const listed = await api("GET", "/admin/backup/list?type=monthly_archive");
    expect(listed.json.backups.map((x: any) => x.backup_id)).toEqual([id]);
    const restore = await runRestore(id!, "test");
    expect(restore.status).toBe("completed");
    expect(await snapshot(env.RESTORE_TARGET_DB)).toEqual(source);
  });
});
