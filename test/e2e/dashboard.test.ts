import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { demoToken } from "../../scripts/lib/demo-idp.ts";
import { startDev, type DevServer } from "../../scripts/lib/dev-server.ts";
import { applyLocalMigrations, ensureDevVars } from "../../scripts/lib/local-setup.ts";
import { seed } from "../../scripts/seed.ts";

const PORT = 8817;

/**
 * A stand-in for the provider's authorization server (the outside party: a real local HTTP server). /authorize
 * sends the browser straight back with a code bound to the PKCE challenge; /token gives the demo admin's access
 * token only for that code with the verifier whose S256 digest is the challenge.
 */
function standInProvider(): Promise<{ server: Server; url: string; exchanged: string[] }> {
  const codes = new Map<string, { challenge: string; redirect: string }>();
  const exchanged: string[] = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url!, "http://provider.test");
    if (url.pathname === "/authorize") {
      const q = url.searchParams;
      if (q.get("code_challenge_method") !== "S256" || q.get("client_id") !== "vaultline-dashboard" || !q.get("code_challenge"))
        return void res.writeHead(400).end("bad authorization request");
      const code = randomBytes(16).toString("hex");
      codes.set(code, { challenge: q.get("code_challenge")!, redirect: q.get("redirect_uri")! });
      const back = new URL(q.get("redirect_uri")!);
      back.search = new URLSearchParams({ code, state: q.get("state")! }).toString();
      return void res.writeHead(302, { location: back.toString() }).end();
    }
    if (url.pathname === "/token" && req.method === "POST") {
      let body = "";
      for await (const chunk of req) body += chunk;
      const f = new URLSearchParams(body);
      const grant = codes.get(f.get("code") ?? "");
      codes.delete(f.get("code") ?? "");
      const digest = createHash("sha256")
        .update(f.get("code_verifier") ?? "")
        .digest("base64url");
      const cors = { "access-control-allow-origin": req.headers.origin ?? "*", "content-type": "application/json" };
      if (!grant || digest !== grant.challenge || f.get("redirect_uri") !== grant.redirect)
        return void res.writeHead(400, cors).end(JSON.stringify({ error: "invalid_grant" }));
      exchanged.push(f.get("code")!);
      return void res.writeHead(200, cors).end(JSON.stringify({ access_token: await demoToken("admin"), token_type: "Bearer" }));
    }
    res.writeHead(404).end();
  });
  return new Promise((ok) =>
    server.listen(0, "127.0.0.1", () => ok({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, exchanged })),
  );
}
/** Where the screenshots go (README names it): test-results/ is ignored by git. */
const SHOTS = "test-results";

describe("the dashboard in a real browser (Debian's chromium, driven by playwright-core)", () => {
  const dir = mkdtempSync(join(process.cwd(), ".e2e-dashboard-"));
  let dev: DevServer | undefined;
  let browser: Browser | undefined;
  let provider: Server | undefined;
  afterAll(async () => {
    await browser?.close();
    provider?.close();
    await dev?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("an admin signs in through the provider (PKCE), starts a backup, a drill and a production restore from the page; a second person approves it; no serious accessibility violation; screenshots on a desktop and a phone", async () => {
    ensureDevVars();
    applyLocalMigrations(dir);
    await seed({ users: 300, reset: false, persistTo: dir, quiet: true });
    const idp = await standInProvider();
    provider = idp.server;
    dev = await startDev({
      port: PORT,
      persistTo: dir,
      vars: {
        RESTORE_POLL_MS: "300",
        DASHBOARD_OIDC_CLIENT_ID: "vaultline-dashboard",
        DASHBOARD_OIDC_AUTHORIZATION_ENDPOINT: `${idp.url}/authorize`,
        DASHBOARD_OIDC_TOKEN_ENDPOINT: `${idp.url}/token`,
        DASHBOARD_OIDC_PROVIDER_NAME: "Demo IdP",
      },
    });
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox"] });

    // The admin signs in through the provider: to /authorize and back with a code, swapped (with the PKCE
    // verifier) for an access token at /token. Then a full database backup, watched to the end.
    const admin = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    admin.on("pageerror", (e) => errors.push(e.message));
    await admin.goto(dev.url);
    await admin.click("#provider-signin:has-text('Sign in with Demo IdP')");
    await admin.waitForSelector("#who:has-text('demo-admin')");
    expect(idp.exchanged).toHaveLength(1);
    expect(new URL(admin.url()).search).toBe(""); // the code is gone from the address bar
    await admin.selectOption("#new-type", "full_database");
    await admin.click("#start-backup");
    await admin.waitForSelector("#flash:has-text('started bk_')");
    const id = ((await admin.textContent("#flash")) ?? "").replace("started ", "");
    expect(id).toMatch(/^bk_/);
    await admin.waitForSelector(`tr[data-id='${id}'] .status-completed`, { timeout: 120_000 });

    // A drill of it, from its row.
    await admin.click(`tr[data-id='${id}'] .drill`);
    await admin.waitForSelector(`#flash:has-text('of ${id} started')`);
    await admin.waitForSelector(`#drills td:has-text('${id}')`, { timeout: 60_000 });

    // A production restore of it, from the page: the dialog asks for the sentence; the API answers what waits.
    await admin.click(`tr[data-id='${id}'] .restore`);
    await admin.selectOption("#restore-target", "production");
    await admin.fill("#restore-confirm", "I understand this will overwrite current data");
    await admin.click("#restore-submit");
    await admin.waitForSelector("#restore-result:has-text('asked for')");
    const restore = { restore_id: ((await admin.textContent("#restore-result")) ?? "").split(" ")[0]! };
    expect(restore.restore_id).toMatch(/^rs_/);
    await admin.click("#restore-cancel");

    // The approver, in a browser of their own, on a phone-sized screen: the pending approval, a comment, approve.
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const approver = await phone.newPage();
    approver.on("pageerror", (e) => errors.push(e.message));
    await approver.goto(dev.url);
    await approver.click("#token-signin summary"); // the other way in: an access token pasted
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

    // Accessibility: axe-core in the page (a context that lets the test inject it past the page's CSP), on the
    // signed-in dashboard and on the sign-in form: no serious or critical violation.
    const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
    const audit = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
    const page = await audit.newPage();
    await page.goto(dev.url);
    for (const view of ["sign-in", "dashboard"] as const) {
      if (view === "dashboard") {
        await page.click("#token-signin summary");
        await page.fill("#token", await demoToken("admin"));
        await page.click("#signin-button");
        await page.waitForSelector("#health b");
        await page.waitForSelector("#chart-success svg, #chart-success p");
      }
      await page.addScriptTag({ content: axeSource });
      const violations = await page.evaluate(async () => {
        const r = await (globalThis as unknown as { axe: { run(o: unknown): Promise<{ violations: any[] }> } }).axe.run({
          resultTypes: ["violations"],
        });
        return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help }));
      });
      expect(
        violations.filter((v) => v.impact === "serious" || v.impact === "critical"),
        view,
      ).toEqual([]);
    }
    await audit.close();
  });
});
