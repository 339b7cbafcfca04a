import { z } from "zod";

export const BACKUP_TYPES = [
  "full_database",
  "incremental_database",
  "sessions",
  "assets",
  "config",
  "full_system",
  "monthly_archive",
] as const;
export type BackupType = (typeof BACKUP_TYPES)[number];
export const COMPONENTS = ["database", "sessions", "assets", "config"] as const;
export type Component = (typeof COMPONENTS)[number];
/** What each backup type holds. */
export const TYPE_COMPONENTS: Record<BackupType, Component[]> = {
  full_database: ["database"],
  incremental_database: ["database"],
  sessions: ["sessions"],
  assets: ["assets"],
  config: ["config"],
  full_system: ["database", "sessions", "assets", "config"],
  /** A full-system backup made on the 1st and kept as the month's archive (its retention and storage tier: docs/OPERATIONS.md). */
  monthly_archive: ["database", "sessions", "assets", "config"],
};

/** Types whose backup is made of component backups (children), one per component. */
export const SYSTEM_TYPES: readonly string[] = ["full_system", "monthly_archive"];
/** The backup type a full-system backup starts for each component. */
export const COMPONENT_TYPE: Record<Component, BackupType> = {
  database: "full_database",
  sessions: "sessions",
  assets: "assets",
  config: "config",
};
/** `full` is the foundation's name for a full database backup, still accepted. */
export const BackupTypeInput = z.preprocess((v) => (v === "full" ? "full_database" : v), z.enum(BACKUP_TYPES));
export const BackupStatus = z.enum(["initiated", "running", "completed", "failed", "forgetting", "forgotten"]);
export type BackupStatus = z.infer<typeof BackupStatus>;
export const RestoreStatus = z.enum(["initiated", "awaiting_approval", "running", "completed", "failed", "rolled_back", "cancelled"]);
export type RestoreStatus = z.infer<typeof RestoreStatus>;

/** Ids we mint double as Workflow instance ids: `^[a-zA-Z0-9_][a-zA-Z0-9-_]*$`, at most 100 characters. */
export const BackupId = z.string().regex(/^bk_[0-9a-zA-Z_-]{1,80}$/, "not a backup id");
export const RestoreId = z.string().regex(/^rs_[0-9a-zA-Z_-]{1,80}$/, "not a restore id");

export const CreateBackupBody = z
  .object({
    type: BackupTypeInput,
    components: z.array(z.enum(COMPONENTS)).min(1).optional(),
    description: z.string().max(500).optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (!b.components) return;
    if (new Set(b.components).size !== b.components.length)
      ctx.addIssue({ code: "custom", path: ["components"], message: "each component once" });
    if (b.type === "incremental_database" && b.components.some((c) => c !== "database"))
      ctx.addIssue({ code: "custom", path: ["components"], message: "an incremental backup holds the database only (its change log)" });
  })
  /**
   * `components` lists what the backup must hold (the product requirements' request). What the type holds alone is
   * that type; any other list is honoured as a system backup of exactly those components, each its own backup.
   */
  .transform((b) => {
    const holds = TYPE_COMPONENTS[b.type];
    const asked = b.components;
    if (!asked || (asked.length === holds.length && asked.every((c) => holds.includes(c)))) return { ...b, components: holds };
    const only = asked.length === 1 ? COMPONENT_TYPE[asked[0]!] : null;
    if (only) return { ...b, type: only, components: TYPE_COMPONENTS[only] };
    const all = TYPE_COMPONENTS.full_system;
    return { ...b, type: "full_system" as const, components: all.filter((c) => asked.includes(c)) };
  });
export type CreateBackupBody = z.infer<typeof CreateBackupBody>;

export const ListBackupsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  page: z.coerce.number().int().min(1).default(1),
  component: z.enum(COMPONENTS).optional(),
  type: BackupTypeInput.optional(),
  status: BackupStatus.optional(),
});

export const PRODUCTION_CONFIRMATION = "I understand this will overwrite current data";

export const AssetSelection = z
  .object({ prefix: z.string().min(1).max(1024).optional(), key: z.string().min(1).max(1024).optional() })
  .strict()
  .refine((a) => !(a.prefix !== undefined && a.key !== undefined), { message: "give a prefix or a key, not both", path: ["key"] });

export const SessionSelection = z
  .object({
    objects: z.array(z.string().min(1).max(512)).min(1).max(10_000).optional(),
    /** Leave out sessions, codes and tokens that have already expired. */
    skip_expired: z.boolean().default(false),
  })
  .strict();

export const DatabaseSelection = z
  .object({
    tables: z.array(z.string().min(1).max(200)).min(1).max(200).optional(),
    /**
     * The rows of one user: the user table's row and every row that belongs to it, as the provider profile says
     * (declared foreign keys, plus its own pairs). An integer or a text key, as the profile's users.key_type.
     */
    user_id: z.union([z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER), z.string().min(1).max(512)]).optional(),
  })
  .strict()
  .refine((d) => !(d.tables && d.user_id !== undefined), { message: "give tables or a user_id, not both", path: ["user_id"] });

/** An instant, ISO 8601 with a zone (`2026-11-29T12:00:05Z`); fractions of a second are kept. */
export const Instant = z.iso.datetime({ offset: true, message: "an ISO 8601 date-time with a zone, e.g. 2026-11-29T12:00:05Z" });

/** A second person's decision (a production restore, a destructive change): always with a reason. */
export const DecisionBody = z.object({ comment: z.string().trim().min(1, "say why").max(1000) }).strict();

export const RestoreBody = z
  .object({
    /** The backup to restore; or give target_timestamp instead. */
    backup_id: BackupId.optional(),
    /**
     * A restore to an instant: the database exactly as it was (every change made at or before it), each other
     * component from its newest backup completed at or before it; the answer says per component the instant reached.
     */
    target_timestamp: Instant.optional(),
    /** Any subset: each component is restored by its own instance (listed in the answer's `restores`). */
    components: z
      .array(z.enum(COMPONENTS))
      .min(1)
      .refine((c) => new Set(c).size === c.length, "each component once")
      .default(["database"]),
    target_environment: z.enum(["production", "test"]),
    confirmation: z.string().optional(),
    /** Answer with the plan (what would be overwritten, sizes, the estimated duration) and change nothing. */
    dry_run: z.boolean().default(false),
    /** Within assets: a prefix or one key. Everything when absent. */
    assets: AssetSelection.optional(),
    /** Within the database: named tables or one user's rows. The whole database when absent. */
    database: DatabaseSelection.optional(),
    /** Within sessions: named objects, and whether to leave out expired entries. Every object when absent. */
    sessions: SessionSelection.optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if ((b.backup_id === undefined) === (b.target_timestamp === undefined)) {
      ctx.addIssue({ code: "custom", path: ["backup_id"], message: "give backup_id or target_timestamp (one of them)" });
    }
    if (b.components.includes("config")) {
      ctx.addIssue({
        code: "custom",
        path: ["components"],
        message:
          "configuration is restored by redeploying (wrangler.jsonc and secrets); read a config backup with GET /admin/backup/{id}/config",
      });
    }
    if (b.database && !b.components.includes("database")) {
      ctx.addIssue({ code: "custom", path: ["database"], message: 'a database selection needs components ["database"]' });
    }
    if (b.sessions && !b.components.includes("sessions")) {
      ctx.addIssue({ code: "custom", path: ["sessions"], message: 'a sessions selection needs components ["sessions"]' });
    }
    if (b.assets && !b.components.includes("assets")) {
      ctx.addIssue({ code: "custom", path: ["assets"], message: 'an asset selection needs components ["assets"]' });
    }
    if (b.target_environment === "production" && !b.dry_run && b.confirmation !== PRODUCTION_CONFIRMATION) {
      ctx.addIssue({
        code: "custom",
        path: ["confirmation"],
        message: `a production restore requires confirmation "${PRODUCTION_CONFIRMATION}"`,
      });
    }
  });
export type RestoreBody = z.infer<typeof RestoreBody>;

export const BackupSummary = z.object({
  backup_id: z.string(),
  timestamp: z.string(),
  type: z.string(),
  /** The backup's size as people read it ("250MB"): the bytes of data it holds. */
  size: z.string(),
  /** The same in bytes. */
  size_bytes: z.number(),
  /** What it added to the repository (stored, after deduplication and compression). */
  added_bytes: z.number(),
  status: BackupStatus,
  components: z.array(z.string()),
});
export type BackupSummary = z.infer<typeof BackupSummary>;

export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    field: z.string().optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});
