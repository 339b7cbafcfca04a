import { z } from "zod";
import { BackupSummary } from "./api";
import { ProfileCheck, ProviderProfile } from "./provider";
import { ChangeView } from "./changes";

/**
 * What the API answers, for the routes documented so far: the handlers return values of these types (checked by
 * TypeScript with `satisfies`), OpenAPI documents them, and test/worker/openapi.test.ts checks live answers against
 * them, extra fields included.
 */
export const Healthz = z.object({ ok: z.literal(true), service: z.literal("vaultline") });
export const Whoami = z.object({
  subject: z.string(),
  roles: z.array(z.string()),
  via: z.enum(["api_token", "jwt", "access"]),
  second_factor: z.boolean(),
});
export const BackupCreated = z.object({
  backup_id: z.string(),
  status: z.literal("initiated"),
  /** The type started: the one asked for, or `full_system` for a list of components no single type holds. */
  type: z.string(),
  components: z.array(z.string()),
  /** As people read it ("5 minutes"): from the mean of the last five completed backups of the type. */
  estimated_duration: z.string(),
  /** The same in seconds (60 before there is one). */
  estimated_duration_seconds: z.number().int().nonnegative(),
});
export const BackupList = z.object({
  backups: z.array(BackupSummary),
  total: z.number().int().nonnegative(),
  page: z.number().int().positive(),
});
export const TestRestoreStarted = z.object({ test_id: z.string(), backup_id: z.string(), status: z.literal("running") });
export const ProviderStatus = z.object({ profile: ProviderProfile, check: ProfileCheck });

// The answers of every other route. Objects built from catalog rows and reports are documented by the fields a
// client relies on and allow more (`looseObject`): the answer may carry further facts, never fewer.
const iso = z.string();
const Id = z.string();
const Started = <S extends z.ZodRawShape>(shape: S) => z.object({ status: z.literal("running"), ...shape });

export const OpenApiDocument = z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.record(z.string(), z.unknown()) });

/** A backup as GET /admin/backup/:id shows it (and its event stream sends). */
export const BackupView = BackupSummary.extend({
  description: z.string().nullable(),
  requested_by: z.string().nullable(),
  trigger: z.string().nullable(),
  created_at: iso,
  started_at: iso.nullable(),
  completed_at: iso.nullable(),
  current_step: z.string().nullable(),
  progress: z.unknown(),
  percent: z.number().nullable(),
  eta_seconds: z.number().nullable(),
  workflow_status: z.string().nullable(),
  restarts: z.number(),
  parent_id: z.string().nullable(),
  change_log: z
    .object({ base_backup_id: z.string().nullable(), seq_start: z.number().nullable(), seq_end: z.number(), as_of: iso.nullable() })
    .optional(),
  time_travel: z.object({ bookmark: z.string(), restore_in_place: z.string() }).optional(),
  component_backups: z.array(z.looseObject({ backup_id: Id, status: z.string() })).optional(),
  error: z.object({ code: z.string().nullable(), message: z.string() }).nullable(),
  manifest: z.looseObject({ key: z.string().nullable(), rows: z.number().nullable() }).nullable(),
}).loose();

export const RestorePoints = z.discriminatedUnion("component", [
  /** The database: continuous ranges (a full backup and the change log after it). */
  z.object({
    component: z.literal("database"),
    ranges: z.array(z.object({ from: iso, to: iso, base_backup_id: Id, ends: z.string().nullable() })),
    merged: z.array(z.object({ from: iso, to: iso })),
    latest: iso.nullable(),
    rpo_seconds: z.number().nullable(),
  }),
  /** Sessions and assets: the instants their backups completed, newest first (an instant restore reads the newest at or before it). */
  z.object({
    component: z.enum(["sessions", "assets"]),
    points: z.array(z.object({ at: iso, backup_id: Id })),
    latest: iso.nullable(),
    rpo_seconds: z.number().nullable(),
    /** The stretch the component's change feed carries the newest backup across (any instant in it is restorable). */
    feed: z.object({ from: iso, to: iso, base_backup_id: Id }).optional(),
  }),
]);

export const ConfigBackupContent = z.object({ backup_id: Id, captured_at: iso, config: z.unknown() });
export const ConfigDiff = z.object({ from: Id, to: Id, changes: z.array(z.unknown()) });

/** A restore as GET /admin/restore/:id shows it (and its event stream sends). */
export const RestoreView = z.looseObject({
  restore_id: Id,
  backup_id: Id,
  target_timestamp: z.string().nullable(),
  status: z.string(),
  stage: z.string().nullable(),
  percent: z.number().nullable(),
  eta_seconds: z.number().nullable(),
  components: z.array(z.string()),
  target_environment: z.string(),
  requested_by: z.string(),
});

const Estimate = { estimated_duration: z.string(), estimated_duration_seconds: z.number() };
export const RestoreStarted = z.looseObject({
  restore_id: Id,
  status: z.literal("initiated"),
  ...Estimate,
  restores: z.array(z.object({ component: z.string(), restore_id: Id, backup_id: Id })),
  stages: z.array(z.string()).optional(),
  target_timestamp: z.string().optional(),
  base_backup_id: Id.optional(),
  /** With target_timestamp: per component, the backup read, the instant reached and the skew (docs/API.md, `target_timestamp`). */
  instants: z
    .array(z.object({ component: z.string(), backup_id: Id, reached: iso, skew_seconds: z.number(), exact: z.boolean() }))
    .optional(),
});
export const RestoreDryRun = z.looseObject({
  dry_run: z.literal(true),
  target_environment: z.string(),
  ...Estimate,
  plan: z.array(z.unknown()),
});
export const RestoreDecision = z.object({
  restore_id: Id,
  decision: z.enum(["approve", "reject"]),
  decided_by: z.string(),
  repeated: z.boolean().optional(),
});
export const RollbackStarted = z.object({ restore_id: Id, rollback_of: Id, status: z.literal("initiated"), stages: z.array(z.string()) });
export const BreakGlassStarted = z.object({
  restore_id: Id,
  status: z.literal("initiated"),
  break_glass: z.object({ digest: z.string(), custodians: z.array(z.string()), expires_at: iso }),
  stages: z.array(z.string()),
});

export const TestRestoreReport = z.looseObject({
  test_id: Id,
  backup_id: Id,
  status: z.enum(["running", "passed", "failed"]),
  rto_seconds: z.number().nullable(),
  checks: z.array(z.looseObject({ component: z.string(), name: z.string(), passed: z.boolean(), detail: z.string() })),
  error: z.string().nullable(),
});
export const TestRestoreList = z.object({ test_restores: z.array(TestRestoreReport) });

export const CaptureInstalled = z.looseObject({ tables: z.array(z.unknown()), shipping: z.string() });
export const CaptureStatus = z.looseObject({
  source: z.string(),
  shipped_through: z.number().nullable(),
  covered_until: iso.nullable(),
  shipping_lag_seconds: z.number().nullable(),
  rpo_seconds: z.number().nullable(),
  last_error: z.string().nullable(),
  breaks: z.array(z.looseObject({ known_until: iso })),
  /** The change feeds of sessions and assets: where each stands and its RPO. */
  feeds: z.record(
    z.string(),
    z.looseObject({
      source: z.string(),
      on: z.boolean(),
      covered_until: iso.nullable(),
      rpo_seconds: z.number().nullable(),
      last_error: z.string().nullable(),
    }),
  ),
});
export const CaptureShipped = z.looseObject({ covered_until: iso.nullable() });
/** Each change feed's run: what it shipped and the coverage it reached. */
export const FeedsShipped = z.object({
  sessions: z.looseObject({ covered_until: iso.nullable(), last_seq: z.number(), segments: z.number() }),
  assets: z.looseObject({ covered_until: iso.nullable(), last_seq: z.number(), segments: z.number() }),
});
export const CatalogRebuilt = z.looseObject({});

export const AuditPage = z.object({
  entries: z.array(z.looseObject({ id: z.number(), at: iso, actor: z.string(), action: z.string() })),
  next_before: z.number().nullable(),
});
export const AuditVerification = z.looseObject({
  ok: z.boolean(),
  entries: z.number(),
  first_problem: z.unknown(),
  next_after: z.number().nullable(),
});
export const UnauthenticatedCounts = z.object({
  since: iso,
  counts: z.array(z.object({ minute: z.string(), source: z.string(), n: z.number(), chained: z.boolean() })),
});
export const AuditSealed = z.looseObject({});

export const StoredReports = z.object({ reports: z.array(z.string()).describe("names, for /admin/reports/stored/{name}") });
/** A stored compliance report: the same document as GET /admin/reports/compliance answers in JSON. */
export const StoredReport = z.looseObject({ digest: z.string() });
export const ComplianceReport = z.looseObject({ digest: z.string() });

export const ChangeList = z.object({ changes: z.array(ChangeView) });

export const KeyReport = z.looseObject({});
export const KeyRotationStarted = z.object({ rotation_id: Id, status: z.literal("running"), to_kek: z.string() });
export const DataKeyRotated = z.looseObject({ data_key_id: z.string() });
export const KeyRotation = z.looseObject({ id: Id, status: z.string(), report: z.unknown() });

export const Policy = z.object({ version: z.number(), policy: z.looseObject({}), set_by: z.string(), set_at: iso.nullable() }).loose();
export const RetentionPreview = z.object({
  policy_version: z.union([z.number(), z.literal("proposed")]),
  keep: z.number(),
  forget: z.number(),
  decisions: z.array(z.looseObject({ keep: z.boolean() })),
});
export const RunStarted = Started({ run_id: Id });
export const CheckStarted = Started({ check_id: Id });
export const VerifyStarted = Started({ check_id: Id, backup_id: Id });
export const RetentionRun = z.looseObject({});
export const LegalHold = z.looseObject({ id: Id, reason: z.string(), placed_by: z.string(), released_at: iso.nullable() });
export const LegalHolds = z.object({ holds: z.array(LegalHold) });
export const StorageReport = z.looseObject({});
export const RepositoryCheck = z.looseObject({ report: z.unknown() });

export const Health = z.looseObject({
  status: z.enum(["healthy", "degraded", "unhealthy"]),
  overall_health: z.enum(["healthy", "warning", "critical"]),
  backup_success_rate: z.number().nullable(),
  storage_usage: z.string().nullable(),
  retention_compliance: z.boolean(),
  last_successful_backup: iso.nullable(),
  checked_at: iso,
  findings: z.array(z.object({ key: z.string(), level: z.string(), area: z.string(), message: z.string(), recommendation: z.string() })),
});
export const Metrics = z.looseObject({});
export const Notifications = z.object({
  destinations: z.array(z.object({ destination: z.string(), events: z.union([z.string(), z.array(z.string())]) })),
  outbox_through_audit_id: z.number(),
  alerts: z.array(z.unknown()),
  dead_letters: z.array(z.unknown()),
});
export const NotificationsDispatched = z.looseObject({ alerts: z.unknown() });
export const Replication = z.looseObject({ enabled: z.boolean(), scrub: z.looseObject({}) });
export const ReplicationRun = z.looseObject({});
export const ScrubRun = z.looseObject({ report: z.unknown() });
export const DemoAnswer = z.looseObject({});
export const DashboardConfig = z.discriminatedUnion("mode", [
  z.object({ mode: z.literal("token") }),
  z.object({ mode: z.literal("access") }),
  z.object({
    mode: z.literal("oidc"),
    provider: z.string(),
    authorization_endpoint: z.string(),
    token_endpoint: z.string(),
    client_id: z.string(),
    scope: z.string(),
  }),
]);
