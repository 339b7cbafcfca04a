/**
 * The local demo's credentials are public (`.dev.vars.example`, `scripts/lib/demo-idp.ts`): its master key, its API
 * tokens, its issuer and signing key, and DEMO_MODE, which lets an admin token rewrite provider data. Any of them in
 * a deployed Worker hands it to whoever reads this repository. So they work only in local development, which the
 * Worker knows by (docs/OPERATIONS.md, "Demo material"):
 *   - a request: its URL's host is a loopback name (localhost, *.localhost, 127.0.0.0/8, [::1]); Cloudflare never
 *     routes a deployed Worker's traffic under such a host;
 *   - a cron run (no request): VAULTLINE_LOCAL_DEVELOPMENT is "true" (set only in wrangler.jsonc's top level, the
 *     local configuration; vars are not inherited by its deployed environments), or LOCAL_SETUP_TOKEN_SHA256 is set
 *     (only `npm start` passes it).
 * Elsewhere every request is answered `500 demo_material_outside_local`, naming what was found, and scheduled runs
 * stop at once.
 */
import type { Env } from "./env";
import { VaultlineError } from "./errors";
import { sha256Hex } from "./repo/bytes";

/** SHA-256 of the demo master key's 32 bytes (the base64 text in .dev.vars.example). */
const DEMO_MASTER_KEY_SHA256 = "0b44b0d05b710f7d0719122188f24be50b801e2bc1f9a0345ff40a3fccc7f97e";
/** The demo API tokens' hashes, as API_TOKENS lists them. */
const DEMO_TOKEN_SHA256 = [
  "5fe60fa84ec1e6def52a155b6080378a3bd07c6f2c78aa174dd1122bafa83e6e",
  "3fd39c582c7b073e206e90ac06b9a9e855bc38e0ead1aa8f98a9bc49dbd3e203",
  "e4df908f43bb664c9ff08da512a6134e299218a76865e18cd616c98f418624c0",
];
const DEMO_ISSUER = "https://demo-idp.vaultline.local";
/** The demo issuer's public key (its `x`): whoever has the repository has its private half. */
const DEMO_SIGNING_KEY_X = "y_flqj31KLYrybp8jx97fLFF2NHrreIVbTmJQTMjfn8";

export class DemoMaterialError extends VaultlineError {
  constructor(found: string[]) {
    super(
      "demo_material_outside_local",
      `this Worker is configured with the public demo's material outside local development: ${found.join("; ")}. Set your own secrets (docs/OPERATIONS.md, "Demo material")`,
      500,
      found[0]?.split(" ")[0],
    );
  }
}

const base64Bytes = (s: string): Uint8Array | null => {
  try {
    return Uint8Array.from(atob(s.trim()), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
};

/** What of the demo's material this configuration holds, each named by its variable. Empty when none. */
export async function demoMaterialIn(env: Partial<Env>): Promise<string[]> {
  const found: string[] = [];
  if (env.DEMO_MODE === "true") found.push("DEMO_MODE is true");
  const keys = [env.BACKUP_ENCRYPTION_KEY, ...parseList(env.BACKUP_ENCRYPTION_KEYS_OLD)];
  for (const [i, k] of keys.entries()) {
    const bytes = typeof k === "string" ? base64Bytes(k) : null;
    if (bytes && (await sha256Hex(bytes)) === DEMO_MASTER_KEY_SHA256)
      found.push(`${i === 0 ? "BACKUP_ENCRYPTION_KEY" : "BACKUP_ENCRYPTION_KEYS_OLD"} is the demo master key`);
  }
  const tokens = typeof env.API_TOKENS === "string" ? env.API_TOKENS : "";
  if (DEMO_TOKEN_SHA256.some((h) => tokens.includes(h))) found.push("API_TOKENS holds a demo token's hash");
  if ((env as { AUTH_ISSUER?: string }).AUTH_ISSUER?.replace(/\/$/, "") === DEMO_ISSUER) found.push("AUTH_ISSUER is the demo issuer");
  if ((env as { AUTH_JWKS?: string }).AUTH_JWKS?.includes(DEMO_SIGNING_KEY_X)) found.push("AUTH_JWKS holds the demo issuer's key");
  return found;
}

function parseList(v: unknown): unknown[] {
  if (typeof v !== "string" || !v.trim()) return [];
  try {
    const parsed = JSON.parse(v) as unknown;
    return Array.isArray(parsed) ? parsed : [v];
  } catch {
    return v.split(",");
  }
}

/** A loopback host: what `wrangler dev` serves on, and never a deployed Worker's route. */
export function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname.toLowerCase();
  return host === "localhost" || host.endsWith(".localhost") || /^127(\.\d{1,3}){3}$/.test(host) || host === "[::1]" || host === "::1";
}

let checked: { env: object; found: Promise<string[]> } | null = null;

/** Throws DemoMaterialError when a deployed Worker (not local development) holds demo material. Cached per isolate. */
export async function refuseDemoMaterial(env: Env, where: { url: string } | "scheduled"): Promise<void> {
  const local =
    where === "scheduled"
      ? Boolean(env.LOCAL_SETUP_TOKEN_SHA256) || (env as { VAULTLINE_LOCAL_DEVELOPMENT?: string }).VAULTLINE_LOCAL_DEVELOPMENT === "true"
      : isLoopbackUrl(where.url);
  if (local) return;
  if (checked?.env !== env) checked = { env, found: demoMaterialIn(env) };
  const found = await checked.found;
  if (found.length) throw new DemoMaterialError(found);
}
