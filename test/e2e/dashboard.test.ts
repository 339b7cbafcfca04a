import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { demoToken } from "../../scripts/lib/demo-idp.ts";
import { startDev, type DevServer } from "../../scripts/lib/dev-server.ts";
import { applyLocalMigrations, ensureDevVars } from "../../scripts/lib/local-setup.ts";
import { seed } from "../../scripts/seed.ts";

const PORT = 8817;
/** Where the screenshots go (README names it): test-results/ is ignored by git. */
const SHOTS = "test-results";

describe("the dashboard in a real browser (Debian's chromium, driven by playwright-core)", () => {
  const dir = mkdtempSync(join(process.cwd(), ".e2e-dashboard-"));
  let dev: DevServer | undefined;
  let browser: Browser | undefined;
  afterAll(async () => {
    await browser?.close();
    await dev?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("an admin signs in, starts a backup and watches it complete; a second person approves a production restore; screenshots on a desktop and a phone", async () => {
    ensureDevVars();
    applyLocalMigrations(dir);
    await seed({ users: 300, reset: false, persistTo: dir, quiet: true });
    dev = await startDev({ port: PORT, persistTo: dir, vars: { RESTORE_POLL_MS: "300" } });
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox"] });

    // The admin: sign in with an access token from the (demo) provider, start a full database backup, watch it.
    const admin = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    admin.on("pageerror", (e) => errors.push(e.message));
    await admin.goto(dev.url);
    await admin.fill("#token", await demoToken("admin"));
    await admin.click("#signin-button");
    await admin.waitForSelector("#who:has-text('demo-admin')");
    await admin.selectOption("#new-type", "full_database");
    await admin.click("#start-backup");
    const id = ((await admin.textContent("[role=status]")) ?? "").replace("started ", "");
    expect(id).toMatch(/^bk_/);
    await admin.waitForSelector(`tr[data-id='${id}'] .status-completed`, { timeout: 120_000 });

    // A production restore of it, asked for by the admin (through the API: the dashboard shows what waits).
    const asked = await fetch(`${dev.url}/admin/backup/restore`, {
      method: "POST",
      headers: { authorization: `Bearer ${await demoToken("admin")}`, "content-type": "application/json" },
      body: JSON.stringify({
        backup_id: id,
        target_environment: "production",
        confirmation: "I understand this will overwrite current data",
      }),
    });
    const restore = (await asked.json()) as { restore_id: string };
    expect(asked.status).toBe(202);

    // The approver, in a browser of their own, on a phone-sized screen: the pending approval, a comment, approve.
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const approver = await phone.newPage();
    approver.on("pageerror", (e) => errors.push(e.message));
    await approver.goto(dev.url);
    await approver.fill("#token", await demoToken("approver"));
    await approver.click("#signin-button");
    const row = approver.locator(`.approval[data-id='${restore.restore_id}']`);
    await row.waitFor({ timeout: 120_000 });
    await row.locator(".comment").fill("checked the drill report");
    await row.locator(".approve").click();
    await expect.poll(() => row.locator(".result").textContent(), { timeout: 30_000 }).toBe("approved by demo-approver");
    await approver.screenshot({ path: join(SHOTS, "dashboard-phone.png"), fullPage: true });

    // The restore runs to the end; the admin's dashboard shows health, charts and the audit trail section hidden
    // for an admin (auditors read it).
    const done = await expect
      .poll(
        async () =>
          (
            (await (
              await fetch(`${dev!.url}/admin/restore/${restore.restore_id}`, { headers: { authorization: "Bearer vl-demo-viewer" } })
            ).json()) as { status: string }
          ).status,
        { timeout: 120_000 },
      )
      .toBe("completed");
    void done;
    await admin.reload();
    await admin.waitForSelector("#health b");
    await admin.waitForSelector("#audit-section.hidden", { state: "attached" });
    await admin.waitForSelector("#chart-success svg, #chart-success p");
    await admin.screenshot({ path: join(SHOTS, "dashboard.png"), fullPage: true });
    expect(errors).toEqual([]);
  });
});
