import { z } from "zod";
import { BackupTypeInput } from "./api";

/**
 * Roles (docs/ACCESS.md). admin ⊇ operator, restore_requester ⊇ viewer. `approver` and `auditor` stand apart (each
 * with viewer): approving a production restore and reading the audit trail are never implied by another role, so
 * the people who change things are not the ones who sign them off or audit them.
 */
export const ROLES = ["admin", "operator", "restore_requester", "viewer", "approver", "auditor"] as const;
export type Role = (typeof ROLES)[number];

/** API_TOKENS: hex SHA-256 of each token (never the token), who it is, and what it may do. */
export const ApiTokens = z.array(
  z.object({
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    subject: z.string().min(1),
    roles: z.array(z.enum(ROLES)).min(1),
  }),
);
export type ApiToken = z.infer<typeof ApiTokens>[number];

const csv = (fallback: string) =>
  z
    .string()
    .optional()
    .transform((v) =>
      (v?.trim() ? v : fallback)
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    );

/**
 * Sign-in with the provider's own access tokens (docs/ACCESS.md). Off unless AUTH_ISSUER is set; then the audience
 * and one key source (AUTH_JWKS_URL, or AUTH_JWKS inline for air-gapped and local set-ups) are required.
 */
export const AuthConfig = z
  .object({
    AUTH_ISSUER: z.url().optional(),
    AUTH_AUDIENCE: z.string().min(1).optional(),
    /** Fetched over https only: a JWKS read in the clear could be swapped for an attacker's keys. */
    AUTH_JWKS_URL: z.url({ protocol: /^https$/, error: "must be an https:// URL" }).optional(),
    AUTH_JWKS: z.string().optional(),
    /** Where the roles are in the token: a claim name or a dotted path (`realm_access.roles`). */
    AUTH_ROLES_CLAIM: z
      .string()
      .optional()
      .transform((v) => v?.trim() || "roles"),
    /** `amr` values that count as a second factor (RFC 8176). */
    AUTH_MFA_AMR: csv("mfa,otp,hwk,swk"),
    AUTH_ALGORITHMS: csv("RS256,RS384,RS512,PS256,PS384,PS512,ES256,ES384,EdDSA"),
    /** When set (e.g. `at+jwt`, RFC 9068), a token whose `typ` header differs is refused: an ID token is not an access token. */
    AUTH_TOKEN_TYP: z
      .string()
      .optional()
      .transform((v) => v?.trim() || undefined),
    /**
     * How old a second factor may be for the actions that need one (production restores, approvals, rollbacks, key
     * retirement, lowering retention, ...): seconds since the token's `auth_time` (else its `iat`). Default 1 hour.
     */
    AUTH_MFA_MAX_AGE_SECONDS: z.coerce.number().int().positive().default(3600),
  })
  .superRefine((c, ctx) => {
    if (!c.AUTH_ISSUER) return;
    if (!c.AUTH_AUDIENCE) ctx.addIssue({ code: "custom", path: ["AUTH_AUDIENCE"], message: "required when AUTH_ISSUER is set" });
    if (!c.AUTH_JWKS_URL && !c.AUTH_JWKS)
      ctx.addIssue({ code: "custom", path: ["AUTH_JWKS_URL"], message: "AUTH_JWKS_URL or AUTH_JWKS is required when AUTH_ISSUER is set" });
  });
export type AuthConfig = z.infer<typeof AuthConfig>;

export const ScheduledTask = z.discriminatedUnion("task", [
  z.object({ task: z.literal("backup"), type: BackupTypeInput }),
  z.object({ task: z.literal("watchdog") }),
  /** Ships the change log now and keeps the shipper's alarm armed (docs/CAPTURE.md). */
  z.object({ task: z.literal("ship_changes") }),
  /** A test restore (drill) of the newest full-system backup, else the newest full database backup. */
  z.object({ task: z.literal("test_restore") }),
  /** Copies the audit chain's new entries to the bucket as sealed, write-once segments (docs/AUDIT.md). */
  z.object({ task: z.literal("seal_audit") }),
  /** Applies the retention policy: forget, then prune in two phases (docs/RETENTION.md). */
  z.object({ task: z.literal("retention") }),
  /** Catch-up replication to BACKUP_REPLICA_BUCKET (docs/REPLICATION.md). */
  z.object({ task: z.literal("replicate") }),
  /** The next slice of the rotating scrub of both copies. */
  z.object({ task: z.literal("scrub") }),
  /** Turns new audit entries into notification messages on BACKUP_QUEUE (docs/NOTIFICATIONS.md). */
  z.object({ task: z.literal("notify") }),
  /** Evaluates the alert conditions: each fires once when it becomes true, resolves once when it stops. */
  z.object({ task: z.literal("alerts") }),
  /** The daily digest of what completed, for people who get only failures at once. */
  z.object({ task: z.literal("digest") }),
  /**
   * The compliance report of the last `months` whole calendar months (UTC), sealed into the repository and announced
   * (docs/RETENTION.md, "Compliance reports"). Scheduled monthly by default; its cron decides how often.
   */
  z.object({ task: z.literal("compliance_report"), months: z.number().int().min(1).max(12).default(1) }),
]);
export type ScheduledTask = z.infer<typeof ScheduledTask>;

/** BACKUP_SCHEDULES: cron expression (as in wrangler.jsonc triggers) -> tasks it starts. */
export const BackupSchedules = z.record(z.string(), z.array(ScheduledTask));
export type BackupSchedules = z.infer<typeof BackupSchedules>;

/** https, or http to this machine (a local stand-in): a sign-in page fetched in the clear could be anyone's. */
const signInUrl = z.url().refine((u) => {
  const url = new URL(u);
  return url.protocol === "https:" || (url.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname));
}, "must be an https:// URL (http only to localhost)");

/**
 * The dashboard's sign-in (docs/DASHBOARD.md). With DASHBOARD_OIDC_CLIENT_ID and both endpoints set: through the
 * provider, authorization code with PKCE (a public client whose redirect URI is the dashboard's origin + "/", and
 * whose access tokens carry AUTH_AUDIENCE); otherwise a token pasted in. Half a configuration is an error.
 */
export const DashboardSignIn = z
  .object({
    DASHBOARD_OIDC_CLIENT_ID: z.string().min(1).optional(),
    DASHBOARD_OIDC_AUTHORIZATION_ENDPOINT: signInUrl.optional(),
    DASHBOARD_OIDC_TOKEN_ENDPOINT: signInUrl.optional(),
    DASHBOARD_OIDC_SCOPE: z.string().min(1).default("openid"),
    DASHBOARD_OIDC_PROVIDER_NAME: z.string().min(1).max(60).optional(),
  })
  .transform((v, ctx) => {
    const {
      DASHBOARD_OIDC_CLIENT_ID: client_id,
      DASHBOARD_OIDC_AUTHORIZATION_ENDPOINT: authorize,
      DASHBOARD_OIDC_TOKEN_ENDPOINT: tokens,
    } = v;
    if (!client_id && !authorize && !tokens) return { mode: "token" as const };
    if (!client_id || !authorize || !tokens) {
      ctx.addIssue({
        code: "custom",
        path: [
          !client_id ? "DASHBOARD_OIDC_CLIENT_ID" : !authorize ? "DASHBOARD_OIDC_AUTHORIZATION_ENDPOINT" : "DASHBOARD_OIDC_TOKEN_ENDPOINT",
        ],
        message: "set DASHBOARD_OIDC_CLIENT_ID, DASHBOARD_OIDC_AUTHORIZATION_ENDPOINT and DASHBOARD_OIDC_TOKEN_ENDPOINT together",
      });
      return z.NEVER;
    }
    return {
      mode: "oidc" as const,
      provider: v.DASHBOARD_OIDC_PROVIDER_NAME ?? new URL(authorize).host,
      authorization_endpoint: authorize,
      token_endpoint: tokens,
      client_id,
      scope: v.DASHBOARD_OIDC_SCOPE,
    };
  });
export type DashboardSignIn = z.output<typeof DashboardSignIn>;

/**
 * Cloudflare Access in front of Vaultline (docs/ACCESS.md, "Cloudflare Access"): the team's domain and the
 * application's audience tag. When both are set, a request without a bearer token is authenticated by the
 * `Cf-Access-Jwt-Assertion` Access adds, checked against the team's certs. Roles come from a claim the identity
 * provider passes through Access (`custom.<claim>`); a second factor from `custom.amr` when it passes one too.
 */
export const CloudflareAccessConfig = z
  .object({
    ACCESS_TEAM_DOMAIN: z.url({ protocol: /^https$/, error: "must be https://<team>.cloudflareaccess.com" }).optional(),
    ACCESS_AUD: z.string().min(1).optional(),
    ACCESS_ROLES_CLAIM: z.string().min(1).default("custom.vaultline_roles"),
  })
  .transform((v, ctx) => {
    if (!v.ACCESS_TEAM_DOMAIN && !v.ACCESS_AUD) return null;
    if (!v.ACCESS_TEAM_DOMAIN || !v.ACCESS_AUD) {
      ctx.addIssue({
        code: "custom",
        path: [v.ACCESS_TEAM_DOMAIN ? "ACCESS_AUD" : "ACCESS_TEAM_DOMAIN"],
        message: "set ACCESS_TEAM_DOMAIN and ACCESS_AUD together",
      });
      return z.NEVER;
    }
    const team = new URL(v.ACCESS_TEAM_DOMAIN).origin;
    return { issuer: team, certs: `${team}/cdn-cgi/access/certs`, audience: v.ACCESS_AUD, rolesClaim: v.ACCESS_ROLES_CLAIM };
  });
export type CloudflareAccessConfig = NonNullable<z.output<typeof CloudflareAccessConfig>>;
