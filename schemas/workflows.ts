import { z } from "zod";
import { AssetSelection, DatabaseSelection, SessionSelection } from "./api";
import { ReplayPlan } from "./capture";
import { FeedReplay } from "./feed";
import { ProviderProfile } from "./provider";

/**
 * Every Workflow's params, one schema each: the launcher validates what it creates and every `run()` parses its
 * payload first (a bad payload fails the instance at once, naming the field). Selections are the API's own schemas,
 * so a restore's params say exactly what the request said.
 */

/** An instance id (the platform's rule: up to 100 characters of letters, digits, `-` and `_`). */
const InstanceId = z.string().regex(/^[a-zA-Z0-9_][a-zA-Z0-9_-]{0,99}$/, "not an instance id");
const Who = z.string().min(1).max(300);

/** A backup's params: its id (the catalog row's and the instance's), the type being made, who asked and why. */
const backupParams = <T extends readonly [string, ...string[]]>(types: T) =>
  z.strictObject({ backup_id: InstanceId, type: z.enum(types), description: z.string().max(500).optional(), requested_by: Who });
export const FullDatabaseBackupParams = backupParams(["full_database"]);
export const IncrementalBackupParams = backupParams(["incremental_database"]);
export const AssetBackupParams = backupParams(["assets"]);
export const ConfigBackupParams = backupParams(["config"]);
export const SessionBackupParams = backupParams(["sessions"]);
/** `monthly_archive`: the same backup, recorded as the month's archive. */
export const FullSystemBackupParams = backupParams(["full_system", "monthly_archive"]).extend({
  /** Exactly these components (a request for components no single type holds); every component when absent. */
  components: z
    .array(z.enum(["database", "sessions", "assets", "config"]))
    .min(1)
    .optional(),
});

/** What a one-user restore carries of the provider profile: how the user's rows are found. */
export const UserRows = ProviderProfile.shape.users.pick({ table: true, key: true, follow_foreign_keys: true, owned_by: true });

/** What a database restore covers: the whole database, named tables, or one user's rows. */
export const RestoreScope = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("full") }),
  z.strictObject({ kind: z.literal("tables"), tables: DatabaseSelection.shape.tables.unwrap() }),
  z.strictObject({
    kind: z.literal("user"),
    user_id: DatabaseSelection.shape.user_id.unwrap(),
    users: UserRows,
    exclude_tables: z.array(z.string()),
  }),
]);

const RestoreIds = { restore_id: InstanceId, backup_id: InstanceId, requested_by: Who };

export const DatabaseRestoreParams = z.strictObject({
  ...RestoreIds,
  target_binding: z.enum(["OIDC_DB", "RESTORE_TARGET_DB"]),
  /** Default: the whole database. */
  scope: RestoreScope.optional(),
  /** Change-log entries to apply on top of the backup's rows (its own window, an incremental chain, a point in time). */
  replay: ReplayPlan.optional(),
});

/** Which objects an asset restore writes: the API's selection (everything, a prefix, or one key). */
export const AssetFilter = AssetSelection;
export const AssetRestoreParams = z.strictObject({
  ...RestoreIds,
  target_binding: z.enum(["ASSETS_BUCKET", "RESTORE_TARGET_BUCKET"]),
  filter: AssetFilter,
  /** A restore to an instant: the asset change feed's segments applied over the base backup (docs/CAPTURE.md, "Files, continuously"). */
  feed: FeedReplay.optional(),
});

export const SessionRestoreOptions = z.strictObject({
  /** Only these objects; every object when absent. */
  objects: SessionSelection.shape.objects,
  /** Leave out sessions, codes and tokens that have already expired. */
  skip_expired: z.boolean(),
  /** Restored objects are named prefix + original name ("" for production; a sandbox prefix for tests). */
  name_prefix: z.string().max(100),
  /** A restore to an instant: the change feed's segments applied over the base backup (docs/SESSIONS.md). */
  feed: FeedReplay.optional(),
});
export const SessionRestoreParams = SessionRestoreOptions.extend(RestoreIds);

/** The catalog row a component restore reads from (the launcher keeps the whole row; a plan needs its id and type). */
const BackupRef = z.looseObject({ id: InstanceId, type: z.string() });
const planOf = <C extends string, P extends z.ZodObject>(component: C, params: P) =>
  z.strictObject({
    component: z.literal(component),
    backup: BackupRef,
    target_binding: z.string(),
    /** The Workflow params, less restore_id and requested_by (the launcher adds them). */
    params: params.omit({ restore_id: true, requested_by: true }),
    estimated_seconds: z.number().nonnegative(),
  });

/** Everything a restore of one component needs, checked before anything starts. */
export const ComponentRestorePlan = z.discriminatedUnion("component", [
  planOf("database", DatabaseRestoreParams),
  planOf("sessions", SessionRestoreParams),
  planOf("assets", AssetRestoreParams),
]);

/** What a production restore was asked to cover within each component (the API's selection): a rollback covers the same. */
export const RequestSelection = z.strictObject({
  database: DatabaseSelection.optional(),
  assets: AssetSelection.optional(),
  sessions: SessionSelection.optional(),
});
export type RequestSelection = z.infer<typeof RequestSelection>;

export const ProductionRestoreParams = z.strictObject({
  restore_id: InstanceId,
  /** The backup the gate's test restore must have passed for (what was asked for: a full or system backup). */
  backup_id: InstanceId,
  requested_by: Who,
  /** What to restore, stage by stage (for a rollback: the safety snapshot of `rollback_of`, in its scope). */
  plans: z.array(ComponentRestorePlan).max(4),
  target_timestamp: z.string().optional(),
  /** The selection within each component; an automatic rollback restores the same scope from the safety snapshot. */
  selection: RequestSelection.optional(),
  /** Rolling back a completed restore on request: `plans` restore its safety snapshot with its scope; no gate. */
  rollback_of: z
    .strictObject({
      restore_id: InstanceId,
      safety: z.partialRecord(z.enum(["database", "sessions", "assets", "config"]), InstanceId),
      components: z.array(z.enum(["database", "sessions", "assets", "config"])),
    })
    .optional(),
});

/** What the approvers send a waiting production restore (`step.waitForEvent`, from src/api/routes/approvals.ts). */
export const ApprovalEvent = z.strictObject({ decision: z.enum(["approve", "reject"]), by: Who, comment: z.string().max(2000) });
export type ApprovalEvent = z.infer<typeof ApprovalEvent>;

export const TestRestoreParams = z.strictObject({ test_id: InstanceId, backup_id: InstanceId, requested_by: Who });
export const KeyRotationParams = z.strictObject({ rotation_id: InstanceId, requested_by: Who });
export const RetentionParams = z.strictObject({ run_id: InstanceId, requested_by: Who, trigger: z.enum(["schedule", "api"]) });
export const RepositoryCheckParams = z.strictObject({ check_id: InstanceId });
export const ReplicationParams = z.strictObject({ run_id: InstanceId, trigger: z.enum(["schedule", "api"]) });
export const ScrubParams = z.strictObject({
  run_id: InstanceId,
  /** Objects to check in this run; default: the bucket's objects divided by SCRUB_PERIOD_DAYS. */
  objects: z.number().int().positive().optional(),
});
export const VerifyBackupParams = z.strictObject({ check_id: InstanceId, backup_id: InstanceId });

/** Each Workflow binding (wrangler.jsonc) with the schema of its params: what the launcher and the tests go by. */
export const WORKFLOW_PARAMS = {
  FULL_DATABASE_BACKUP: FullDatabaseBackupParams,
  DATABASE_RESTORE: DatabaseRestoreParams,
  ASSET_BACKUP: AssetBackupParams,
  ASSET_RESTORE: AssetRestoreParams,
  CONFIG_BACKUP: ConfigBackupParams,
  FULL_SYSTEM_BACKUP: FullSystemBackupParams,
  SESSION_BACKUP: SessionBackupParams,
  SESSION_RESTORE: SessionRestoreParams,
  INCREMENTAL_BACKUP: IncrementalBackupParams,
  TEST_RESTORE: TestRestoreParams,
  PRODUCTION_RESTORE: ProductionRestoreParams,
  KEY_ROTATION: KeyRotationParams,
  RETENTION: RetentionParams,
  REPOSITORY_CHECK: RepositoryCheckParams,
  REPLICATION: ReplicationParams,
  SCRUB: ScrubParams,
  VERIFY_BACKUP: VerifyBackupParams,
} as const;
export type WorkflowBinding = keyof typeof WORKFLOW_PARAMS;
export type WorkflowParams<B extends WorkflowBinding> = z.infer<(typeof WORKFLOW_PARAMS)[B]>;

export type FullDatabaseBackupParams = z.infer<typeof FullDatabaseBackupParams>;
export type IncrementalBackupParams = z.infer<typeof IncrementalBackupParams>;
export type AssetBackupParams = z.infer<typeof AssetBackupParams>;
export type ConfigBackupParams = z.infer<typeof ConfigBackupParams>;
export type SessionBackupParams = z.infer<typeof SessionBackupParams>;
export type FullSystemBackupParams = z.infer<typeof FullSystemBackupParams>;
export type UserRows = z.infer<typeof UserRows>;
export type RestoreScope = z.infer<typeof RestoreScope>;
export type DatabaseRestoreParams = z.infer<typeof DatabaseRestoreParams>;
export type AssetFilter = z.infer<typeof AssetFilter>;
export type AssetRestoreParams = z.infer<typeof AssetRestoreParams>;
export type SessionRestoreOptions = z.infer<typeof SessionRestoreOptions>;
export type SessionRestoreParams = z.infer<typeof SessionRestoreParams>;
export type ComponentRestorePlan = z.infer<typeof ComponentRestorePlan>;
export type ProductionRestoreParams = z.infer<typeof ProductionRestoreParams>;
export type TestRestoreParams = z.infer<typeof TestRestoreParams>;
export type KeyRotationParams = z.infer<typeof KeyRotationParams>;
export type RetentionParams = z.infer<typeof RetentionParams>;
export type RepositoryCheckParams = z.infer<typeof RepositoryCheckParams>;
export type ReplicationParams = z.infer<typeof ReplicationParams>;
export type ScrubParams = z.infer<typeof ScrubParams>;
export type VerifyBackupParams = z.infer<typeof VerifyBackupParams>;
