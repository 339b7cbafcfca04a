import { applyD1Migrations, env, reset } from "cloudflare:test";
import { beforeEach } from "vitest";

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
