// The deploy path: each deployed environment of wrangler.jsonc bundles (wrangler deploy --dry-run), inside the bundle
// budget, without the Cloudflare SDK; and the Env type generated from the configuration fails the build when the two
// drift (npm run types; npm test's typecheck runs it with --check).
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const BUDGET = 1024 * 1024; // gzipped
const ENV = { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };

describe("deploying", () => {
  const dir = mkdtempSync(join(process.cwd(), ".e2e-deploy-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const env of ["staging", "production"]) {
    it(`wrangler deploy --dry-run --env ${env} bundles the Worker under 1 MiB gzipped, without the Cloudflare SDK`, async () => {
      const out = join(dir, env);
      const { stdout } = await run("npx", ["wrangler", "deploy", "--dry-run", "--outdir", out, "--env", env], { env: ENV });
      expect(stdout).toMatch(/--dry-run: exiting now/);
      const bundle = readFileSync(join(out, "index.js"));
      const gz = gzipSync(bundle).length;
      console.log(`${env}: ${(bundle.length / 1024).toFixed(0)} KiB, ${(gz / 1024).toFixed(0)} KiB gzipped (budget ${BUDGET / 1024} KiB)`);
      expect(gz).toBeLessThan(BUDGET);
      // The SDK stays in the Node scripts (provision); the Worker's one REST call is a plain fetch.
      expect(bundle.toString("utf8")).not.toContain("X-Stainless");
      // Every workflow class and the capture shipper are in the bundle the environment's bindings name.
      for (const cls of ["FullDatabaseBackupWorkflow", "ProductionRestoreWorkflow", "CaptureShipper"])
        expect(bundle.toString("utf8")).toContain(cls);
    });
  }

  it("the Env type is generated from wrangler.jsonc, and a check fails when the configuration changes without it", async () => {
    await run("npm", ["run", "-s", "types", "--", "--check"], { env: ENV });
    const drifted = join(dir, "wrangler.jsonc");
    writeFileSync(
      drifted,
      readFileSync("wrangler.jsonc", "utf8")
        .replace('"vars": {', '"vars": {\n    "A_NEW_SETTING": "1",')
        .replace('"$schema": "node_modules/', '"$schema": "../node_modules/')
        .replace('"main": "src/index.ts"', '"main": "../src/index.ts"'),
    );
    const check = await run(
      "npx",
      [
        "wrangler",
        "types",
        "worker-configuration.d.ts",
        "--include-runtime=false",
        "--strict-vars=false",
        "--env-file",
        ".dev.vars.example",
        "--check",
        "-c",
        drifted,
      ],
      { env: ENV },
    ).catch((e) => e);
    expect(check.code).not.toBe(0);
    expect(`${check.stdout}${check.stderr}`).toMatch(/out of date/);
  });
});
