import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { createHash } from "node:crypto";
import { defineConfig } from "vitest/config";
import { PREVIOUS_MASTER_KEY, TEST_MASTER_KEY, TEST_TOKENS } from "./test/tokens.ts";
import { cloudflareApiStandin, STANDIN } from "./test/shared/cloudflare-api-standin.ts";
import { idpStandin, TEST_IDP } from "./test/shared/idp.ts";
import { HOOKS, webhookReceiver } from "./test/shared/webhook-receiver.ts";
import { appendFileSync, mkdirSync } from "node:fs";
import { DATA_KEY_DIGEST_MARKER } from "./test/shared/secrets.ts";

// Where scripts/test.ts finds the digests of the data keys the suite created, to scan its output for them.
const DIGESTS_FILE = process.env.VAULTLINE_DATA_KEY_DIGESTS ?? ".test-output/data-key-digests.txt";

const apiTokens = Object.values(TEST_TOKENS).map((t) => ({
  sha256: createHash("sha256").update(t.token).digest("hex"),
  subject: t.subject,
  roles: t.roles,
}));

/** Worker tests live in two projects: replication off (as the default deployment), and on (the replica's own tests). */
const REPLICATION_TESTS = ["test/worker/replication.test.ts"];

export default defineConfig(async () => {
  const oidcMigrations = await readD1Migrations("migrations/oidc");
  const catalogMigrations = await readD1Migrations("migrations/catalog");
  const worker = (extra: Record<string, string>) =>
    cloudflareTest({
      wrangler: { configPath: "./wrangler.jsonc" },
      miniflare: {
        // The Worker's outbound fetches (the issuer's JWKS, the Cloudflare REST API) go to local stand-ins, never the network.
        outboundService: async (request: Request) => idpStandin(request) ?? (await webhookReceiver(request)) ?? cloudflareApiStandin(request),
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
          OIDC_MIGRATIONS: oidcMigrations,
          CATALOG_MIGRATIONS: catalogMigrations,
          // Test-only secrets: a fixed master key, the one before it, and the API tokens (plain values in test/tokens.ts).
          BACKUP_ENCRYPTION_KEY: TEST_MASTER_KEY,
          BACKUP_ENCRYPTION_KEYS_OLD: JSON.stringify([PREVIOUS_MASTER_KEY]),
          API_TOKENS: JSON.stringify(apiTokens),
          // Small export steps, so tests of modest size still span several steps.
          EXPORT_STEP_MB: "8",
          // Tests ship the change log on demand (POST /admin/capture/ship), so each test decides when it happens.
          CAPTURE_SHIP_INTERVAL_SECONDS: "0",
          // Orchestrating workflows look at their child instances often, so staged restores finish quickly here.
          RESTORE_POLL_MS: "150",
          // As in production, whatever a local .dev.vars says (the plugin reads it too).
          DEMO_MODE: "false",
          // Notifications go to a receiver outside the Worker (test/shared/webhook-receiver.ts); retries without delay.
          NOTIFY_WEBHOOKS: JSON.stringify([{ url: `${HOOKS.base}/ok` }, { url: `${HOOKS.base}/flaky-5`, events: ["backup.failed"] }, { url: `${HOOKS.base}/down`, events: ["backup.failed"] }]),
          WEBHOOK_SIGNING_SECRET: HOOKS.secret,
          NOTIFY_RETRY_BASE_SECONDS: "0",
          // E-mail through the local send_email binding: failures, alerts and the digest.
          BACKUP_NOTIFICATION_EMAIL: "ops@vaultline.test",
          NOTIFY_EMAIL_FROM: "vaultline@vaultline.test",
          ...extra,
        },
      },
    });
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
        appendFileSync(DIGESTS_FILE, log.slice(DATA_KEY_DIGEST_MARKER.length).trim().replace(/,/g, "\n") + "\n");
        return false;
      },
      projects: [
        { plugins: [worker({})], test: { ...shared, name: "worker", include: ["test/worker/**/*.test.ts"], exclude: REPLICATION_TESTS } },
        { plugins: [worker({ CROSS_REGION_REPLICATION: "true" })], test: { ...shared, name: "worker-replicated", include: REPLICATION_TESTS } },
      ],
    },
  };
});
