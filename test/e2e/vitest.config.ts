import { defineConfig } from "vitest/config";

// End-to-end tests drive a real `wrangler dev` (workerd + miniflare) from Node, as an operator would.
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.test.ts"],
    environment: "node",
    testTimeout: 900_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});
