import { execFileSync } from "node:child_process";
import { appendFileSync, copyFileSync, existsSync, readFileSync } from "node:fs";

const names = (text: string) => new Set([...text.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!));

/**
 * `.dev.vars` holds local secrets (wrangler's convention); it is created from the committed example when absent, and
 * a var the example gained since (a new feature's local setting) is appended. Returns what it did, for the log.
 */
export function ensureDevVars(): string | null {
  if (!existsSync(".dev.vars")) {
    copyFileSync(".dev.vars.example", ".dev.vars");
    return "Created .dev.vars from .dev.vars.example (local demo secrets).";
  }
  const example = readFileSync(".dev.vars.example", "utf8");
  const have = names(readFileSync(".dev.vars", "utf8"));
  const missing = example.split("\n").filter((l) => /^[A-Z][A-Z0-9_]*=/.test(l) && !have.has(l.slice(0, l.indexOf("="))));
  if (missing.length === 0) return null;
  appendFileSync(".dev.vars", `\n# Added from .dev.vars.example\n${missing.join("\n")}\n`);
  return `Added ${missing.map((l) => l.slice(0, l.indexOf("="))).join(", ")} to .dev.vars from .dev.vars.example.`;
}

/** Applies the D1 migrations of both databases to local state. */
export function applyLocalMigrations(persistTo?: string, configPath?: string): void {
  for (const db of ["OIDC_DB", "CATALOG_DB"]) {
    const args = ["wrangler", "d1", "migrations", "apply", db, "--local"];
    if (persistTo) args.push("--persist-to", persistTo);
    if (configPath) args.push("-c", configPath);
    execFileSync("npx", args, { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" } });
  }
}
