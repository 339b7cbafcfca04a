import { z } from "zod";

export const BACKUP_TYPES = ["full"] as const;
export const COMPONENTS = ["database"] as const;
export const BackupStatus = z.enum(["initiated", "running", "completed", "failed"]);
export type BackupStatus = z.infer<typeof BackupStatus>;
export const RestoreStatus = z.enum(["initiated", "awaiting_approval", "running", "completed", "failed", "rolled_back", "cancelled"]);
export type RestoreStatus = z.infer<typeof RestoreStatus>;

/** Ids we mint double as Workflow instance ids: `^[a-zA-Z0-9_][a-zA-Z0-9-_]*$`, at most 100 characters. */
export const BackupId = z.string().regex(/^bk_[0-9a-zA-Z_-]{1,80}$/, "not a backup id");
export const RestoreId = z.string().regex(/^rs_[0-9a-zA-Z_-]{1,80}$/, "not a restore id");

export const CreateBackupBody = z
  .object({
    type: z.enum(BACKUP_TYPES),
    components: z.array(z.enum(COMPONENTS)).min(1).default(["database"]),
    description: z.string().max(500).optional(),
  })
  .strict();
export type CreateBackupBody = z.infer<typeof CreateBackupBody>;

export const ListBackupsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  page: z.coerce.number().int().min(1).default(1),
  component: z.enum(COMPONENTS).optional(),
  type: z.enum(BACKUP_TYPES).optional(),
  status: BackupStatus.optional(),
});

export const PRODUCTION_CONFIRMATION = "I understand this will overwrite current data";

export const RestoreBody = z
  .object({
    backup_id: BackupId,
    components: z.array(z.enum(COMPONENTS)).min(1).default(["database"]),
    target_environment: z.enum(["production", "test"]),
    confirmation: z.string().optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.target_environment === "production" && b.confirmation !== PRODUCTION_CONFIRMATION) {
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
  size: z.number(),
  status: BackupStatus,
  components: z.array(z.string()),
});
export type BackupSummary = z.infer<typeof BackupSummary>;

export const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }),
});
