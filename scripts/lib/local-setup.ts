import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync } from "node:fs";

/** `.dev.vars` holds local secrets (wrangler's convention); it is created from the committed example when absent. */
export function ensureDevVars(): boolean {
  if (existsSync(".dev.vars")) return false;
  copyFileSync(".dev.vars.example", ".dev.vars");
  return true;
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
