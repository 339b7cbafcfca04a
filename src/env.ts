/** Bindings and vars, as named in wrangler.jsonc. Names are fixed: docs, tests and tools rely on them. */
export interface Env {
  OIDC_DB: D1Database;
  CATALOG_DB: D1Database;
  RESTORE_TARGET_DB: D1Database;
  ASSETS_BUCKET: R2Bucket;
  BACKUP_BUCKET: R2Bucket;
  BACKUP_REPLICA_BUCKET: R2Bucket;
  SESSIONS: DurableObjectNamespace;
  CAPTURE_SHIPPER: DurableObjectNamespace<import("./capture/shipper-object").CaptureShipper>;
  INCREMENTAL_BACKUP: Workflow;
  TEST_RESTORE: Workflow;
  PRODUCTION_RESTORE: Workflow;
  KEY_ROTATION: Workflow;
  RETENTION: Workflow;
  REPOSITORY_CHECK: Workflow;
  REPLICATION: Workflow;
  SCRUB: Workflow;
  VERIFY_BACKUP: Workflow;
  BACKUP_QUEUE: Queue;
  FULL_DATABASE_BACKUP: Workflow;
  DATABASE_RESTORE: Workflow;
  ASSET_BACKUP: Workflow;
  ASSET_RESTORE: Workflow;
  CONFIG_BACKUP: Workflow;
  FULL_SYSTEM_BACKUP: Workflow;
  SESSION_BACKUP: Workflow;
  SESSION_RESTORE: Workflow;
  RESTORE_TARGET_BUCKET: R2Bucket;

  BACKUP_ENCRYPTION_KEY: string;
  /** Earlier master keys, kept until nothing needs them (docs/KEYS.md): a JSON array of base64 keys. */
  BACKUP_ENCRYPTION_KEYS_OLD?: string;
  API_TOKENS: string;
  /** JWT sign-in (docs/ACCESS.md): the provider as issuer, our audience, its keys, where the roles are. */
  AUTH_ISSUER?: string;
  AUTH_AUDIENCE?: string;
  AUTH_JWKS_URL?: string;
  AUTH_JWKS?: string;
  AUTH_ROLES_CLAIM?: string;
  AUTH_MFA_AMR?: string;
  AUTH_ALGORITHMS?: string;
  BACKUP_RETENTION_DAYS: string;
  BACKUP_NOTIFICATION_EMAIL: string;
  CROSS_REGION_REPLICATION: string;
  BACKUP_SCHEDULES: string;
  WATCHDOG_STALE_MINUTES: string;
  EXPORT_STEP_MB?: string;
  /** D1 Time Travel bookmarks in full backups (src/capture/time-travel.ts): secrets, and the database's id. */
  CF_ACCOUNT_ID?: string;
  CF_API_TOKEN?: string;
  OIDC_DB_ID?: string;
  /** Only for tests and stand-ins: where the Cloudflare REST API is. */
  CF_API_BASE_URL?: string;
  /** Production restores: how recent a passing test restore must be, how long an approval may take, how long a rollback stays possible. */
  RESTORE_GATE_DAYS?: string;
  RESTORE_APPROVAL_TIMEOUT_HOURS?: string;
  RESTORE_ROLLBACK_HOURS?: string;
  RESTORE_POLL_MS?: string;
  /** Seconds between change-log ship runs (the shipper's alarm); "0" ships only on demand. */
  CAPTURE_SHIP_INTERVAL_SECONDS?: string;
  /** Every object of both copies is read by the rotating scrub within this many days (docs/REPLICATION.md). */
  SCRUB_PERIOD_DAYS?: string;
  /** Notifications (docs/NOTIFICATIONS.md): webhook destinations (JSON), their signing secret, retry backoff base. */
  NOTIFY_WEBHOOKS?: string;
  /** E-mail notifications: the send_email binding, and the sender (on a domain with Email Routing). */
  EMAIL?: SendEmail;
  /** Workers Analytics Engine: a data point per finished backup, restore and drill (the catalog keeps them always). */
  METRICS?: AnalyticsEngineDataset;
  NOTIFY_EMAIL_FROM?: string;
  /** Where the Worker is reachable, for links in notifications. */
  PUBLIC_URL?: string;
  WEBHOOK_SIGNING_SECRET?: string;
  NOTIFY_RETRY_BASE_SECONDS?: string;
  /** Replication lag above which an alert fires. */
  REPLICATION_LAG_ALERT_SECONDS?: string;
  /** The RPO per component and the RTO compliance reports measure against (schemas/reports.ts). */
  COMPLIANCE_TARGETS?: string;
  /** "true" only locally: enables /admin/demo/* (seeding demo sessions). */
  DEMO_MODE?: string;
  /** Only in the asset benchmark (test/bench): how many 1 MB and 100 MB objects to use. */
  BENCH_ASSET_SMALL?: string;
  BENCH_ASSET_LARGE?: string;
}

/** D1 bindings a restore may write into. Anything else is refused. */
export const RESTORE_TARGETS = { production: "OIDC_DB", test: "RESTORE_TARGET_DB" } as const;
export type RestoreTargetBinding = (typeof RESTORE_TARGETS)[keyof typeof RESTORE_TARGETS];

/** R2 bindings an asset restore may write into. */
export const ASSET_RESTORE_TARGETS = { production: "ASSETS_BUCKET", test: "RESTORE_TARGET_BUCKET" } as const;
export type AssetTargetBinding = (typeof ASSET_RESTORE_TARGETS)[keyof typeof ASSET_RESTORE_TARGETS];

/** Restored Durable Objects are named with this prefix in the test environment, so production objects are never touched. */
export const SESSION_RESTORE_PREFIX = { production: "", test: "sandbox:" } as const;
