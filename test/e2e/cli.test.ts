import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { vaultline } from "../shared/vaultline-cli.ts";
import { demoToken } from "../../scripts/lib/demo-idp.ts";
import { startDev, type DevServer } from "../../scripts/lib/dev-server.ts";
import { applyLocalMigrations, ensureDevVars } from "../../scripts/lib/local-setup.ts";
import { seed } from "../../scripts/seed.ts";

const PORT = 8815;

describe("npx vaultline against a local Worker", () => {
  const dir = mkdtempSync(join(process.cwd(), ".e2e-cli-"));
  let dev: DevServer | undefined;
  afterAll(async () => {
    await dev?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates a backup and watches it, lists it, starts a production restore, a second person approves, and it is watched to the end; exit codes say what failed", async () => {
    ensureDevVars();
    applyLocalMigrations(dir);
    await seed({ users: 500, reset: false, persistTo: dir, quiet: true });
    dev = await startDev({ port: PORT, persistTo: dir, vars: { RESTORE_POLL_MS: "300" } });
    const ops = { VAULTLINE_URL: dev.url, VAULTLINE_TOKEN: "vl-demo-operator" };

    const created = await vaultline(["backup", "create", "--type", "full_database", "--watch"], ops);
    expect(created.code, created.stderr).toBe(0);
    const [, backupId] = /^(bk_\S+) completed$/m.exec(created.stdout)!;
    // Not a terminal: progress is one line per change, on stderr.
    expect(created.stderr).toMatch(/^\[[#.]{20}\] +\d+% (initiated|running|completed)/m);
    const backup = JSON.parse((await vaultline(["backup", "show", backupId!, "--json"], ops)).stdout);
    expect(backup.status).toBe("completed");
    const listed = await vaultline(["backup", "list", "--json"], ops);
    expect(JSON.parse(listed.stdout).backups.map((b: any) => b.backup_id)).toContain(backup.backup_id);
    const human = await vaultline(["backup", "list"], ops);
    expect(human.stdout).toMatch(new RegExp(`${backup.backup_id}\\s+full_database\\s+completed`));

    // Production: refused without --yes (usage), refused for an API token (the API says why), then a person asks.
    expect((await vaultline(["restore", "start", "--backup", backup.backup_id, "--target", "production"], ops)).code).toBe(2);
    const byToken = await vaultline(["restore", "start", "--backup", backup.backup_id, "--target", "production", "--yes"], {
      ...ops,
      VAULTLINE_TOKEN: "vl-demo-admin",
    });
    expect(byToken.code).toBe(3);
    expect(byToken.stderr).toMatch(/\[mfa_required\]/);
    const admin = { VAULTLINE_URL: dev.url, VAULTLINE_TOKEN: await demoToken("admin") };
    const started = await vaultline(
      ["restore", "start", "--backup", backup.backup_id, "--target", "production", "--yes", "--watch", "--json"],
      admin,
    );
    expect(started.code, started.stderr).toBe(0);
    const waiting = JSON.parse(started.stdout);
    expect(waiting.status).toBe("awaiting_approval");
    const approver = { VAULTLINE_URL: dev.url, VAULTLINE_TOKEN: await demoToken("approver") };
    const approved = await vaultline(["restore", "approve", waiting.restore_id, "--comment", "checked the drill report"], approver);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain(`${waiting.restore_id} approved by demo-approver`);
    const watched = await vaultline(["restore", "status", waiting.restore_id, "--watch"], ops);
    expect(watched.code, watched.stderr).toBe(0);
    expect(watched.stdout).toMatch(new RegExp(`${waiting.restore_id} completed`));

    expect((await vaultline(["backup", "list"], { ...ops, VAULTLINE_TOKEN: "not-a-token" })).code).toBe(3);
    expect((await vaultline(["backup", "list"], { ...ops, VAULTLINE_URL: "http://127.0.0.1:9" })).code).toBe(4);
    expect((await vaultline(["backup", "frobnicate"], ops)).code).toBe(2);
    const health = await vaultline(["health", "--json"], ops);
    expect([0, 1]).toContain(health.code);
    expect(JSON.parse(health.stdout).status).toMatch(/healthy|degraded|unhealthy/);
  });
});
