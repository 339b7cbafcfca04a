// `npm start` as an operator runs it with their own .dev.vars: its setup calls use a credential of its own (never the
// operator's token nor the demo's), change capture is installed and it says so; a setup call that fails stops it with
// the reason. Run from a copy of the project, so the working tree's .dev.vars and local state are not touched.
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const OPERATOR_TOKEN = "ops-own-token-not-a-demo-one-5f2c";

function project(): string {
  const dir = mkdtempSync(join(process.cwd(), ".e2e-start-"));
  for (const p of [
    "src",
    "workflows",
    "schemas",
    "examples",
    "migrations",
    "scripts",
    "wrangler.jsonc",
    "package.json",
    ".dev.vars.example",
  ])
    cpSync(p, join(dir, p), { recursive: true });
  symlinkSync(resolve("node_modules"), join(dir, "node_modules"));
  // The operator's own token only: none of the demo's.
  const hash = createHash("sha256").update(OPERATOR_TOKEN).digest("hex");
  const vars = readFileSync(".dev.vars.example", "utf8").replace(
    /^API_TOKENS=.*$/m,
    `API_TOKENS=[{"sha256":"${hash}","subject":"ops","roles":["admin","auditor"]}]`,
  );
  writeFileSync(join(dir, ".dev.vars"), vars);
  return dir;
}

function npmStart(cwd: string, port: number): { child: ChildProcess; output: () => string; exited: Promise<number> } {
  let out = "";
  const child = spawn("node", ["scripts/start.ts"], {
    cwd,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      PORT: String(port),
      SEED_USERS: "200",
      SEED_SESSIONS: "40",
      SEED_SESSION_OBJECTS: "4",
      NO_COLOR: "1",
      WRANGLER_SEND_METRICS: "false",
    },
  });
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number>((r) => child.once("exit", (code) => r(code ?? 1)));
  return { child, output: () => out, exited };
}

async function until(what: () => boolean, exited: Promise<number>, ms: number, output: () => string): Promise<void> {
  const end = Date.now() + ms;
  let done = false;
  void exited.then(() => (done = true));
  while (!what()) {
    if (done || Date.now() > end) throw new Error(`npm start did not get there:\n${output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe("npm start with an operator's own .dev.vars", () => {
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const c of children) {
      try {
        process.kill(-c.pid!, "SIGTERM");
      } catch {
        /* gone */
      }
    }
    await new Promise((r) => setTimeout(r, 2000));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("installs change capture with a credential of its own, and says so", async () => {
    const dir = project();
    dirs.push(dir);
    const run = npmStart(dir, 8823);
    children.push(run.child);
    await until(() => run.output().includes("Vaultline is running."), run.exited, 240_000, run.output);
    expect(run.output()).toMatch(/Provider: Vaultline demo OIDC provider; \d+ tables backed up\./);
    expect(run.output()).toMatch(/Change capture installed: \d+ tables captured/);
    expect(run.output()).toContain("your own API_TOKENS from .dev.vars");
    const status = await (
      await fetch("http://127.0.0.1:8823/admin/capture/status", { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } })
    ).json();
    expect((status as any).installed).toBe(true);
    // The setup calls were npm start's own, audited under its name; the demo token does not exist here.
    const audit = await (
      await fetch("http://127.0.0.1:8823/admin/audit?actor=npm-start", { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } })
    ).json();
    expect(JSON.stringify(audit)).toContain("POST /admin/capture/install");
    expect((await fetch("http://127.0.0.1:8823/admin/backup/list", { headers: { authorization: "Bearer vl-demo-admin" } })).status).toBe(
      401,
    );
    process.kill(-run.child.pid!, "SIGTERM");
    await run.exited;
  });

  it("stops with the reason when a setup call fails: here, a profile naming a table the database lacks", async () => {
    const dir = project();
    dirs.push(dir);
    writeFileSync(
      join(dir, ".dev.vars"),
      readFileSync(join(dir, ".dev.vars"), "utf8") +
        `\nPROVIDER_PROFILE={"name":"wrong","users":{"table":"people","key":"id","key_type":"integer"}}\n`,
    );
    const run = npmStart(dir, 8825);
    children.push(run.child);
    const code = await Promise.race([run.exited, new Promise<number>((r) => setTimeout(() => r(-1), 240_000))]);
    expect(code, run.output().slice(-3000)).toBe(1);
    expect(run.output()).toContain(
      'npm start stopped: the provider profile does not match the database: users.table: the database has no table "people"',
    );
  });
});
