// Runs docs/runbooks/provider-down.md as written: its `npx vaultline` commands, in order, against a local Worker
// whose issuer's JWKS cannot be reached (people cannot sign in), with the placeholders filled in (the backup, the
// restore id, the Worker's URL, an operator token).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { demoToken } from "../../scripts/lib/demo-idp.ts";
import { startDev, type DevServer } from "../../scripts/lib/dev-server.ts";
import { applyLocalMigrations, ensureDevVars } from "../../scripts/lib/local-setup.ts";
import { seed } from "../../scripts/seed.ts";
import { vaultline } from "../shared/vaultline-cli.ts";

const PORT = 8823;
const OPS = "vl-demo-operator";

/** The `npx vaultline` lines of the runbook's sh blocks under a heading, split into words as a shell would ("..."). */
function commands(section: string): { env: Record<string, string>; args: string[] }[] {
  const book = readFileSync("docs/runbooks/provider-down.md", "utf8");
  const from = book.indexOf(section);
  const text = book.slice(from, book.indexOf("\n## ", from + 1));
  const out: { env: Record<string, string>; args: string[] }[] = [];
  for (const block of text.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const raw of block[1]!.split("\n")) {
      const line = raw.replace(/\s+#.*$/, "").trim();
      if (!/^(\w+=\S+ )?npx vaultline /.test(line)) continue;
      const words = [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
      const env: Record<string, string> = {};
      while (/^\w+=/.test(words[0]!)) {
        const [k, v] = words.shift()!.split("=");
        env[k!] = v!;
      }
      out.push({ env, args: words.slice(2) });
    }
  }
  return out;
}

describe("runbook: the identity provider is down", () => {
  const dir = mkdtempSync(join(process.cwd(), ".e2e-break-glass-"));
  let dev: DevServer | undefined;
  afterAll(async () => {
    await dev?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("restores production from custodians' signatures while the issuer is unreachable", async () => {
    // Before: the custodians make their keys (the runbook's first block); their public keys configure the Worker.
    const setup = commands("## Before you need it");
    expect(setup.map((c) => c.args.slice(0, 2).join(" "))).toEqual(Array(3).fill("break-glass keygen"));
    const custodians = [];
    for (const c of setup) {
      const r = await vaultline(c.args, c.env, dir);
      expect(r.code, r.stderr).toBe(0);
      custodians.push(JSON.parse(r.stdout));
    }
    ensureDevVars();
    applyLocalMigrations(dir);
    await seed({ users: 200, reset: false, persistTo: dir, quiet: true });
    dev = await startDev({
      port: PORT,
      persistTo: dir,
      vars: {
        RESTORE_POLL_MS: "300",
        BREAK_GLASS_CUSTODIANS: JSON.stringify({ threshold: 2, custodians }),
        // The provider is down: its JWKS cannot be fetched, so no person's token verifies.
        AUTH_JWKS: "",
        AUTH_JWKS_URL: "https://127.0.0.1:9/.well-known/jwks.json",
      },
    });
    const created = await vaultline(["backup", "create", "--type", "full_database", "--watch"], {
      VAULTLINE_URL: dev.url,
      VAULTLINE_TOKEN: OPS,
    });
    expect(created.code, created.stderr).toBe(0);
    const backupId = /^(bk_\S+) completed$/m.exec(created.stdout)![1]!;

    // Step 1: a person cannot sign in; an API token can.
    const person = await fetch(`${dev.url}/admin/whoami`, { headers: { authorization: `Bearer ${await demoToken("admin")}` } });
    expect(person.status).toBe(401);
    expect(((await person.json()) as any).error.message).toMatch(/JWT rejected/);

    // Steps 2 to 5, as the runbook writes them.
    const steps = commands("## When it happens");
    expect(steps.map((c) => c.args.slice(0, 2).join(" "))).toEqual([
      "break-glass request",
      "break-glass sign",
      "break-glass sign",
      "break-glass submit",
      "restore status",
    ]);
    let restoreId = "";
    const fill = (s: string) => s.replace("bk_...", backupId).replace("rs_...", restoreId).replace("$V", dev!.url).replace("$OPS", OPS);
    for (const step of steps) {
      const env = Object.fromEntries(Object.entries(step.env).map(([k, v]) => [k, fill(v)]));
      const r = await vaultline(step.args.map(fill), { VAULTLINE_URL: dev.url, ...env }, dir);
      expect(r.code, `${step.args.join(" ")}\n${r.stdout}\n${r.stderr}`).toBe(0);
      if (step.args[1] === "submit") {
        const answer = JSON.parse(r.stdout);
        expect(answer.break_glass.custodians).toEqual(["carol", "dave"]);
        restoreId = answer.restore_id;
      }
    }
    const done = (await (
      await fetch(`${dev.url}/admin/restore/${restoreId}`, { headers: { authorization: `Bearer ${OPS}` } })
    ).json()) as any;
    expect(done.status, JSON.stringify(done.error)).toBe("completed");
    expect(done.approval).toMatchObject({ decision: "approve", decided_by: "break-glass:carol+dave" });
    expect(done.safety_backups.database).toMatch(/^bk_safety_/);

    // The same request and signatures again: refused (exit 3, the API's 409).
    const again = await vaultline(
      ["break-glass", "submit", "--request", "request.json", "--signature", "carol.sig", "--signature", "dave.sig", "--url", dev.url],
      {},
      dir,
    );
    expect(again.code).toBe(3);
    expect(again.stdout).toMatch(/was used at/);
  });
});
