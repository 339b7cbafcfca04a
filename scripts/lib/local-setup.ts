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

/** The demo provider's Worker configuration: `npm start`, the e2e tests and the bench run it beside Vaultline. */
export const DEMO_PROVIDER_CONFIG = "examples/demo-provider/wrangler.jsonc";
/** Where local state lives when no other folder is given: one folder for both Workers, so they share OIDC_DB. */
export const LOCAL_STATE = ".wrangler/state";

/**
 * Applies local D1 migrations: Vaultline's own (CATALOG_DB) from its configuration, and the provider's (OIDC_DB)
 * from the provider's own configuration, as the provider's operator would. Vaultline never migrates a provider.
 */
export function applyLocalMigrations(
  persistTo = LOCAL_STATE,
  configPath = "wrangler.jsonc",
  provider: { config: string; binding: string } = { config: DEMO_PROVIDER_CONFIG, binding: "OIDC_DB" },
): void {
  for (const [db, config] of [
    [provider.binding, provider.config],
    ["CATALOG_DB", configPath],
  ] as const) {
    const args = ["wrangler", "d1", "migrations", "apply", db, "--local", "--persist-to", persistTo, "-c", config];
    execFileSync("npx", args, {
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" },
    });
  }
}
