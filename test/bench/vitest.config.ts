import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { TEST_MASTER_KEY } from "../tokens";
import { exampleProvider } from "../shared/example-providers";

// Benchmarks that must run inside workerd (npm run bench runs this; npm test does not).
export default defineConfig(async () => ({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.jsonc" },
      miniflare: {
        // The demo provider's own Worker: its session Durable Objects and the DEMO_PROVIDER helper routes.
        workers: [exampleProvider("examples/demo-provider/wrangler.jsonc").worker],
        bindings: {
          CATALOG_MIGRATIONS: await readD1Migrations("migrations/catalog"),
          OIDC_MIGRATIONS: await readD1Migrations("examples/demo-provider/migrations"),
          BACKUP_ENCRYPTION_KEY: TEST_MASTER_KEY,
          BENCH_ASSET_SMALL: process.env.BENCH_ASSET_SMALL ?? "1000",
          BENCH_ASSET_LARGE: process.env.BENCH_ASSET_LARGE ?? "3",
        },
      },
    }),
  ],
  test: { include: ["test/bench/**/*.test.ts"], testTimeout: 3_600_000, fileParallelism: false },
}));
