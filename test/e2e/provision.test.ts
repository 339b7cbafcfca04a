import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { LOCKED_PREFIXES } from "../../scripts/lib/provision-plan.ts";
import { provisioningStandin } from "../shared/cloudflare-provisioning-standin.ts";

const ACCOUNT = "0123456789abcdef0123456789abcdef";
const TOKEN = "provision-test-token";
let server: Server | undefined;

async function standin(existing = {}) {
  const s = provisioningStandin({ accountId: ACCOUNT, apiToken: TOKEN, basePath: "/client/v4", existing });
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length ? Buffer.concat(chunks) : undefined;
    const r = await s.handle(
      new Request(`http://127.0.0.1${req.url}`, {
        method: req.method,
        headers: req.headers as Record<string, string>,
        body: req.method === "GET" ? undefined : body,
      }),
    );
    res.writeHead(r.status, { "content-type": "application/json" }).end(await r.text());
  });
  await new Promise<void>((ok) => server!.listen(0, "127.0.0.1", ok));
  const port = (server.address() as { port: number }).port;
  return { ...s, baseURL: `http://127.0.0.1:${port}/client/v4` };
}

afterEach(() => server?.close());

async function provision(baseURL: string, ...args: string[]) {
  const run = promisify(execFile);
  return run("node", ["scripts/provision.ts", ...args], {
    env: { ...process.env, CLOUDFLARE_ACCOUNT_ID: ACCOUNT, CLOUDFLARE_API_TOKEN: TOKEN, CLOUDFLARE_API_BASE_URL: baseURL },
  });
}

// The demo provider's resources as wrangler.jsonc names them: its database by id, its bucket, its Worker.
const PROVIDER = {
  databases: [{ uuid: "00000000-0000-4000-8000-000000000001", name: "oidc" }],
  buckets: [{ name: "oidc-assets" }],
  scripts: ["vaultline-demo-provider"],
};

describe("npm run provision (against a local stand-in of the REST API)", () => {
  it("creates the databases, buckets (replica elsewhere) and queues, and locks backup objects for the minimum retention", async () => {
    const api = await standin(PROVIDER);
    const { stdout } = await provision(api.baseURL, "--replica-location", "weur", "--replica-jurisdiction", "eu");
    expect(api.state.databases.map((d) => d.name).sort()).toEqual(["oidc", "vaultline-catalog", "vaultline-restore-target"]);
    expect(api.state.buckets).toEqual(
      expect.arrayContaining([
        { name: "vaultline-backups" },
        { name: "vaultline-backups-replica", location: "weur", jurisdiction: "eu" },
        { name: "vaultline-restore-target" },
      ]),
    );
    expect(api.state.queues.map((q) => q.queue_name)).toEqual(["vaultline-events", "vaultline-events-dlq", "vaultline-asset-events"]);
    // Retention is 30 days in wrangler.jsonc: every backup prefix is held that long, in both copies, and the
    // repository's config for good; keys/ is not (retirement deletes wraps; the escrow copy brings them back).
    for (const bucket of ["vaultline-backups", "vaultline-backups-replica"]) {
      expect(api.state.locks[bucket]!.map((r) => [r.prefix, r.enabled, r.condition])).toEqual([
        ...LOCKED_PREFIXES.map((p) => [p, true, { type: "Age", maxAgeSeconds: 30 * 86_400 }]),
        ["config", true, { type: "Indefinite" }],
        ["keychain/", true, { type: "Indefinite" }],
      ]);
    }
    expect(api.state.locks["vaultline-restore-target"]).toBeUndefined();
    expect(stdout).toMatch(/CATALOG_DB: "database_id": "[0-9a-f-]{36}"/);
  });

  it("is idempotent: a second run creates nothing and leaves the same locks", async () => {
    const api = await standin(PROVIDER);
    await provision(api.baseURL);
    const created = api.state.requests.filter((r) => r.startsWith("POST")).length;
    const locks = JSON.stringify(api.state.locks);
    const { stdout } = await provision(api.baseURL);
    expect(api.state.requests.filter((r) => r.startsWith("POST")).length).toBe(created);
    expect(JSON.stringify(api.state.locks)).toBe(locks);
    expect(stdout).toMatch(/exists {2}R2 vaultline-backups \(BACKUP_BUCKET\)/);
  });

  it("--dry-run changes nothing; a missing provider resource is reported, never created; a bad token fails", async () => {
    const api = await standin();
    const dry = await provision(api.baseURL, "--dry-run").catch((e) => e);
    expect(dry.code).toBe(1);
    expect(dry.stdout).toMatch(/would create D1 vaultline-catalog/);
    expect(dry.stdout).toMatch(/MISSING D1 id 00000000-0000-4000-8000-000000000001 \(OIDC_DB\)/);
    expect(dry.stdout).toMatch(/MISSING Worker vaultline-demo-provider \(SESSIONS: SessionObject\)/);
    expect(api.state.requests.filter((r) => !r.startsWith("GET"))).toEqual([]);
    const bad = await promisify(execFile)("node", ["scripts/provision.ts"], {
      env: { ...process.env, CLOUDFLARE_ACCOUNT_ID: ACCOUNT, CLOUDFLARE_API_TOKEN: "wrong", CLOUDFLARE_API_BASE_URL: api.baseURL },
    }).catch((e) => e);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/Authentication error|403/);
  });

  it("reads bucket listings page by page in each jurisdiction, and provisions a named environment", async () => {
    // Two buckets a page in the stand-in: the ones that exist sit on later pages, and the replica in the eu jurisdiction.
    const existing = {
      ...PROVIDER,
      buckets: [
        { name: "a-1" },
        { name: "a-2" },
        { name: "a-3" },
        { name: "oidc-assets" },
        { name: "vaultline-backups" },
        { name: "vaultline-backups-replica", jurisdiction: "eu" },
      ],
    };
    const api = await standin(existing);
    const { stdout } = await provision(api.baseURL, "--replica-jurisdiction", "eu");
    expect(stdout).toMatch(/exists {2}R2 vaultline-backups \(BACKUP_BUCKET\)/);
    expect(stdout).toMatch(/exists {2}R2 vaultline-backups-replica \[eu\] \(BACKUP_REPLICA_BUCKET\)/);
    expect(stdout).toMatch(/exists {2}Worker vaultline-demo-provider/);
    expect(api.state.requests.filter((r) => r === `GET /accounts/${ACCOUNT}/r2/buckets`).length).toBeGreaterThan(3);
    expect(api.state.buckets.filter((b) => b.name === "vaultline-backups-replica")).toHaveLength(1);

    const staging = await provision(api.baseURL, "--env", "staging", "--dry-run").catch((e) => e);
    expect(staging.stdout).toMatch(/would create D1 vaultline-catalog-staging \(CATALOG_DB\)/);
    expect(staging.stdout).toMatch(/would create queue vaultline-events-staging-dlq/);
    // The operator has not filled in the provider's resources yet: named as missing, never created.
    expect(staging.stdout).toMatch(/MISSING R2 replace-with-your-provider-bucket \(ASSETS_BUCKET\)/);
    expect(staging.code).toBe(1);
  });
});
