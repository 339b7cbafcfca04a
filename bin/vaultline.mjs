#!/usr/bin/env node
// `npx vaultline` inside this repository: bundles cli/vaultline.ts (it shares the repository code in src/ with the
// Worker) into node_modules/.cache/vaultline, then runs it. Needs Node 22.13 or later (node:sqlite); inside this
// repository every npm script and npx has it (the node@22 devDependency). Outside it: the package
// `npm run build:cli` makes (docs/CLI.md).
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { bundleCli } from "../cli/bundle.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "node_modules", ".cache", "vaultline", "vaultline.mjs");
mkdirSync(dirname(out), { recursive: true });
await bundleCli(out);
await import(pathToFileURL(out).href);
