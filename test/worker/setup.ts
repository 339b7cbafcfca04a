import { applyD1Migrations, env, reset } from "cloudflare:test";
import { afterEach, beforeEach } from "vitest";
import { DATA_KEY_DIGEST_MARKER } from "../shared/secrets";
import { currentDataKeyDigests } from "./secrets";

interface D1Migration {
  name: string;
  queries: string[];
}
const e = env as unknown as { OIDC_MIGRATIONS: D1Migration[]; CATALOG_MIGRATIONS: D1Migration[] } & Cloudflare.Env;

// Every test starts from empty storage with the migrated schemas, as `npm start` leaves them.
beforeEach(async () => {
  await reset();
  await applyD1Migrations(e.OIDC_DB, e.OIDC_MIGRATIONS);
  await applyD1Migrations(e.CATALOG_DB, e.CATALOG_MIGRATIONS);
});

// The data keys a test created are random: their digests go to the log scan (scripts/test.ts) through this line,
// which vitest.config.ts takes out of the output.
afterEach(async () => {
  const digests = await currentDataKeyDigests();
  if (digests.length) console.log(`${DATA_KEY_DIGEST_MARKER} ${digests.join(",")}`);
});
