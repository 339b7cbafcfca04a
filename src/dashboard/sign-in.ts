import { DashboardSignIn } from "../../schemas/config";
import type { Env } from "../env";
import { ConfigError } from "../errors";
import { accessConfig } from "../auth/cloudflare-access";

/**
 * How the dashboard signs people in (schemas/config.ts), checked: a half-set configuration names the missing var.
 * Through the provider when it is configured; else by Cloudflare Access when Vaultline sits behind it (the browser
 * carries Access's cookie, Access adds the assertion); else a token pasted in.
 */
export function dashboardSignIn(env: Env): DashboardSignIn | { mode: "access" } {
  const r = DashboardSignIn.safeParse(env);
  if (r.success) return r.data.mode === "token" && accessConfig(env) ? { mode: "access" } : r.data;
  const issue = r.error.issues[0]!;
  throw new ConfigError(`${issue.path.join(".")}: ${issue.message}`, String(issue.path[0]));
}

/**
 * The dashboard page's content security policy: its own origin only, no inline script, never framed; with sign-in
 * through the provider, the token endpoint's origin too (the page swaps the code for a token there).
 */
export function dashboardSecurityHeaders(signIn: DashboardSignIn | { mode: "access" }): Record<string, string> {
  const connect = signIn.mode === "oidc" ? `'self' ${new URL(signIn.token_endpoint).origin}` : "'self'";
  return {
    "content-security-policy": `default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src ${connect}; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
  };
}
