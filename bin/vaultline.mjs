#!/usr/bin/env node
// `npx vaultline`: bundles cli/vaultline.ts (it shares the repository code in src/ with the Worker) with esbuild
// into node_modules/.cache/vaultline, when its sources changed, then runs it. Needs Node 22.13 or later (node:sqlite);
// inside this repository every npm script and npx has it (the node@22 devDependency).
import { build } from "esbuild";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "node_modules", ".cache", "vaultline", "vaultline.mjs");
mkdirSync(dirname(out), { recursive: true });
await build({
  entryPoints: [join(root, "cli", "vaultline.ts")],
  outfile: out,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  logLevel: "error",
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
await import(pathToFileURL(out).href);
