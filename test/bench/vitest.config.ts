import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Benchmarks that must run inside workerd (npm run bench runs this; npm test does not).
export default defineConfig({
  plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.jsonc" } })],
  test: { include: ["test/bench/**/*.test.ts"], testTimeout: 300_000 },
});
