// docs/ADOPTING.md, followed against the second example provider (examples/authjs-provider): Vaultline bound to it
// with the page's own profile and bindings, both Workers in one `wrangler dev` session, then the page's API steps
// from the profile check to a passing drill.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { experimental_readRawConfig, getPlatformProxy } from "wrangler";
import { seedAuthjs } from "../../examples/authjs-provider/src/seed.ts";
import { startDev, type DevServer } from "../../scripts/lib/dev-server.ts";
import { applyLocalMigrations, ensureDevVars } from "../../scripts/lib/local-setup.ts";
import { readWranglerConfig } from "../../scripts/lib/wrangler-config.ts";
import { waitFor } from "../shared/wait.ts";

const PORT = 8819;
const PROVIDER_CONFIG = "examples/authjs-provider/wrangler.jsonc";
const doc = readFileSync("docs/ADOPTING.md", "utf8");
const blocks = (lang: string) => [...doc.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, "g"))].map((m) => m[1]!);
const stripComments = (s: string) => s.replace(/^\s*\/\/.*$/gm, "");

describe("docs/ADOPTING.md against the Auth.js-style example provider", () => {
  const dir = mkdtempSync(join(process.cwd(), ".e2e-adopting-"));
  let dev: DevServer | undefined;
  afterAll(async () => {
    await dev?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("the page's profile and bindings are the example provider's", () => {
    expect(JSON.parse(blocks("json")[0]!)).toEqual(JSON.parse(readFileSync("examples/authjs-provider/vaultline.profile.json", "utf8")));
    const bindings = JSON.parse(`{${stripComments(blocks("jsonc")[0]!)}}`);
    const provider = readWranglerConfig(PROVIDER_CONFIG);
    const so = provider.durable_objects.bindings[0]!;
    expect(bindings.d1_databases[0]).toMatchObject({ binding: "OIDC_DB", database_id: provider.d1_databases[0]!.database_id });
    expect(bindings.r2_buckets[0]).toEqual({ binding: "ASSETS_BUCKET", bucket_name: provider.r2_buckets[0]!.bucket_name });
    expect(bindings.durable_objects.bindings[0]).toEqual({ name: "SESSIONS", class_name: so.class_name, script_name: provider.name });
  });

  it("from binding the provider to a passing drill", async () => {
    // Step 3: Vaultline's local configuration with the page's bindings and profile in place of the demo's.
    const profile = JSON.parse(blocks("json")[0]!);
    const bindings = JSON.parse(`{${stripComments(blocks("jsonc")[0]!)}}`);
    const { rawConfig } = experimental_readRawConfig({ config: "wrangler.jsonc" });
    const config = structuredClone(rawConfig) as Record<string, any>;
    delete config.$schema;
    delete config.env;
    delete config.services; // the demo provider's helper routes
    config.main = resolve("src/index.ts");
    config.d1_databases = config.d1_databases.map((d: any) =>
      d.binding === "OIDC_DB"
        ? bindings.d1_databases[0]
        : { ...d, ...(d.migrations_dir ? { migrations_dir: resolve(d.migrations_dir) } : {}) },
    );
    config.r2_buckets = config.r2_buckets.map((b: any) => (b.binding === "ASSETS_BUCKET" ? bindings.r2_buckets[0] : b));
    config.durable_objects.bindings = config.durable_objects.bindings.map((b: any) =>
      b.name === "SESSIONS" ? bindings.durable_objects.bindings[0] : b,
    );
    config.vars = { ...config.vars, PROVIDER_PROFILE: profile, DEMO_MODE: "false" };
    const configPath = join(dir, "wrangler.json");
    writeFileSync(configPath, JSON.stringify(config, null, 2));
    ensureDevVars();
    copyFileSync(".dev.vars", join(dir, ".dev.vars"));

    // The provider's own migrations and data, as its operator has them.
    const state = join(dir, "state");
    applyLocalMigrations(state, configPath, { config: PROVIDER_CONFIG, binding: "DB" });
    const proxy = await getPlatformProxy<{ DB: D1Database }>({ configPath: PROVIDER_CONFIG, persist: { path: join(state, "v3") } });
    try {
      await seedAuthjs(proxy.env.DB, { users: 200 });
    } finally {
      await proxy.dispose();
    }
    dev = await startDev({ port: PORT, persistTo: state, configPath, providerConfig: PROVIDER_CONFIG });

    // Step 6, call by call.
    const H = { authorization: "Bearer vl-demo-admin", "content-type": "application/json" };
    const call = async (method: string, path: string, body?: unknown) => {
      expect(doc, `ADOPTING.md shows ${path.replace(/bk_\w+|tr_\w+/, "…")}`).toContain(path.replace(/(bk|tr)_\w+/, "$1_…"));
      const r = await fetch(`${dev!.url}${path}`, { method, headers: H, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: r.status, json: (await r.json()) as any };
    };
    const provider = await call("GET", "/admin/provider");
    expect(provider.status).toBe(200);
    expect(provider.json.check.ok, JSON.stringify(provider.json.check.problems)).toBe(true);
    expect(provider.json.check.tables).not.toContain("rate_limits");
    expect(provider.json.check.user_rows).toEqual(
      expect.arrayContaining([
        { table: "accounts", column: "userId" },
        { table: "keys", column: "userId" },
        { table: "sessions", column: "userId" },
      ]),
    );
    expect((await call("POST", "/admin/capture/install")).status).toBe(200);
    const created = await call("POST", "/admin/backup/create", { type: "full_system" });
    expect(created.status).toBe(202);
    const backup = await waitFor(
      async () => (await call("GET", `/admin/backup/${created.json.backup_id}`)).json,
      (b) => b.status === "completed" || b.status === "failed",
      240_000,
    );
    expect(backup.status, JSON.stringify(backup.error)).toBe("completed");
    const drill = await call("POST", `/admin/backup/${backup.backup_id}/test-restore`);
    expect(drill.status).toBe(202);
    const report = await waitFor(
      async () => (await call("GET", `/admin/test-restores/${drill.json.test_id}`)).json,
      (r) => r.status !== "running",
      240_000,
    );
    expect(report.status, JSON.stringify(report.checks?.filter((c: any) => !c.passed))).toBe("passed");
    for (const p of profile.checks.probes) expect(report.checks.map((c: any) => c.name)).toContain(`probe: ${p.name}`);
  });
});
