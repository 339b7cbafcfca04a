import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { createHash } from "node:crypto";
import { defineConfig } from "vitest/config";
import { PREVIOUS_MASTER_KEY, TEST_MASTER_KEY, TEST_TOKENS } from "./test/tokens.ts";
import { cloudflareApiStandin, STANDIN } from "./test/shared/cloudflare-api-standin.ts";
import { idpStandin, TEST_IDP } from "./test/shared/idp.ts";
import { accessStandin, TEST_ACCESS } from "./test/shared/cloudflare-access.ts";
import { HOOKS, webhookReceiver } from "./test/shared/webhook-receiver.ts";
import { appendFileSync, mkdirSync } from "node:fs";
import { DATA_KEY_DIGEST_MARKER } from "./test/shared/secrets.ts";
import { exampleProvider, type ExampleProvider } from "./test/shared/example-providers.ts";
import { readFileSync } from "node:fs";
import { readWranglerConfig } from "./scripts/lib/wrangler-config.ts";

// Where scripts/test.ts finds the digests of the data keys the suite created, to scan its output for them.
const DIGESTS_FILE = process.env.VAULTLINE_DATA_KEY_DIGESTS ?? ".test-output/data-key-digests.txt";

const apiTokens = Object.values(TEST_TOKENS).map((t) => ({
  sha256: createHash("sha256").update(t.token).digest("hex"),
  subject: t.subject,
  roles: t.roles,
}));

/**
 * Worker tests live in three projects: replication off (as the default deployment) and on (the replica's own tests),
 * both protecting the demo provider; and the provider tests again against the second example provider (an
 * Auth.js-style schema with TEXT ids), each provider running as a Worker of its own beside Vaultline.
 */
const REPLICATION_TESTS = ["test/worker/replication.test.ts"];
const PROVIDER_TESTS = ["test/worker/providers.test.ts"];

export default defineConfig(async () => {
  const demo = exampleProvider("examples/demo-provider/wrangler.jsonc");
  const authjs = exampleProvider("examples/authjs-provider/wrangler.jsonc");
  const catalogMigrations = await readD1Migrations("migrations/catalog");
  /** Vaultline bound to one example provider: its database, its session objects (script_name), its profile. */
  const protecting = async (provider: ExampleProvider, fixture: string, profile?: unknown) => ({
    // The demo provider runs in every project: wrangler.jsonc's DEMO_PROVIDER service binding (local helpers) needs it.
    workers: provider === demo ? [demo.worker] : [provider.worker, demo.worker],
    ...(profile === undefined
      ? {}
      : {
          d1Databases: {
            OIDC_DB: provider.databaseId,
            CATALOG_DB: "00000000-0000-4000-8000-000000000002",
            RESTORE_TARGET_DB: "00000000-0000-4000-8000-000000000003",
          },
          durableObjects: {
            SESSIONS: { ...provider.sessions, useSQLite: true },
            CAPTURE_SHIPPER: { className: "CaptureShipper", useSQLite: true },
          },
        }),
    extraBindings: {
      OIDC_MIGRATIONS: await readD1Migrations(provider.migrationsDir),
      TEST_PROVIDER: fixture,
      ...(profile === undefined ? {} : { PROVIDER_PROFILE: profile }),
    },
  });
  const worker = async (extra: Record<string, string>, provider = demo, fixture = "demo", profile?: unknown) => {
    const p = await protecting(provider, fixture, profile);
    return cloudflareTest({
      wrangler: { configPath: "./wrangler.jsonc" },
      miniflare: {
        workers: p.workers,
        ...(p.d1Databases ? { d1Databases: p.d1Databases, durableObjects: p.durableObjects } : {}),
        // The Worker's outbound fetches (the issuer's JWKS, the Cloudflare REST API) go to local stand-ins, never the network.
        outboundService: async (request: Request) =>
          idpStandin(request) ?? accessStandin(request) ?? (await webhookReceiver(request)) ?? cloudflareApiStandin(request),
        bindings: {
          // D1 Time Travel bookmarks, against the stand-in.
          CF_ACCOUNT_ID: STANDIN.accountId,
          CF_API_TOKEN: STANDIN.apiToken,
          OIDC_DB_ID: STANDIN.databaseId,
          CF_API_BASE_URL: STANDIN.baseURL,
          // Admin sign-in with JWTs from the provider (test/shared/idp.ts stands in for it).
          AUTH_ISSUER: TEST_IDP.issuer,
          AUTH_AUDIENCE: TEST_IDP.audience,
          AUTH_JWKS_URL: TEST_IDP.jwksUrl,
          AUTH_ROLES_CLAIM: TEST_IDP.rolesClaim,
          // Access tokens only (RFC 9068): an ID token from the same issuer is refused.
          AUTH_TOKEN_TYP: "at+jwt",
          // D1's size cap, simulated (local D1 enforces none): 64 MiB, so test/worker/size-limit.test.ts can pass it.
          D1_SIZE_LIMIT_BYTES: String(64 << 20),
          // Cloudflare Access in front (test/shared/cloudflare-access.ts stands in for the team's certs).
          ACCESS_TEAM_DOMAIN: TEST_ACCESS.team,
          ACCESS_AUD: TEST_ACCESS.aud,
          ...p.extraBindings,
          CATALOG_MIGRATIONS: catalogMigrations,
          // The Workflow bindings wrangler.jsonc declares, for the test that every one has a params schema.
          WORKFLOW_BINDINGS: JSON.stringify(readWranglerConfig().workflows.map((w) => w.binding)),
          // Test-only secrets: a fixed master key, the one before it, and the API tokens (plain values in test/tokens.ts).
          BACKUP_ENCRYPTION_KEY: TEST_MASTER_KEY,
          BACKUP_ENCRYPTION_KEYS_OLD: JSON.stringify([PREVIOUS_MASTER_KEY]),
          API_TOKENS: JSON.stringify(apiTokens),
          // Small export steps, so tests of modest size still span several steps.
          EXPORT_STEP_MB: "8",
          // A one-day floor, so retention tests can forget yesterday's backups (a policy never goes below it).
          BACKUP_RETENTION_DAYS: "1",
          // Tests ship the change log on demand (POST /admin/capture/ship), so each test decides when it happens, and
          // whether a break starts a full backup (test/worker/rpo.test.ts turns it on).
          CAPTURE_SHIP_INTERVAL_SECONDS: "0",
          SESSION_SHIP_INTERVAL_SECONDS: "0",
          ASSET_SHIP_INTERVAL_SECONDS: "0",
          BACKUP_AFTER_BREAK: "false",
          // Orchestrating workflows look at their child instances often, so staged restores finish quickly here.
          RESTORE_POLL_MS: "150",
          // As in production, whatever a local .dev.vars says (the plugin reads it too): no demo mode, no demo issuer key.
          DEMO_MODE: "false",
          AUTH_JWKS: "",
          // Notifications go to a receiver outside the Worker (test/shared/webhook-receiver.ts); retries without delay.
          NOTIFY_WEBHOOKS: JSON.stringify([
            { url: `${HOOKS.base}/ok` },
            { url: `${HOOKS.base}/flaky-5`, events: ["backup.failed"] },
            { url: `${HOOKS.base}/down`, events: ["backup.failed"] },
          ]),
          WEBHOOK_SIGNING_SECRET: HOOKS.secret,
          NOTIFY_RETRY_BASE_SECONDS: "0",
          // E-mail through the local send_email binding: failures, alerts and the digest.
          BACKUP_NOTIFICATION_EMAIL: "ops@vaultline.test",
          NOTIFY_EMAIL_FROM: "vaultline@vaultline.test",
          ...extra,
        },
      },
    });
  };
  const authjsProfile = JSON.parse(readFileSync("examples/authjs-provider/vaultline.profile.json", "utf8"));
  const shared = {
    setupFiles: ["./test/worker/setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  };
  return {
    test: {
      onConsoleLog(log: string) {
        if (!log.startsWith(DATA_KEY_DIGEST_MARKER)) return;
        mkdirSync(".test-output", { recursive: true });
        appendFileSync(DIGESTS_FILE, `${log.slice(DATA_KEY_DIGEST_MARKER.length).trim().replace(/,/g, "\n")}\n`);
        return false;
      },
      projects: [
        {
          plugins: [await worker({})],
          test: { ...shared, name: "worker", include: ["test/worker/**/*.test.ts"], exclude: REPLICATION_TESTS },
        },
        {
          plugins: [await worker({ CROSS_REGION_REPLICATION: "true" })],
          test: { ...shared, name: "worker-replicated", include: REPLICATION_TESTS },
        },
        {
          plugins: [await worker({}, authjs, "authjs", authjsProfile)],
          test: { ...shared, name: "worker-authjs", include: PROVIDER_TESTS },
        },
      ],
    },
  };
});
