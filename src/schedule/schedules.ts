import { BackupSchedules } from "../../schemas/config";
import { parseJsonVar } from "../config";

/** BACKUP_SCHEDULES: cron expression -> the tasks it starts (docs/OPERATIONS.md, "Schedules"). */
export function parseSchedules(raw: string | undefined): BackupSchedules {
  return parseJsonVar(BackupSchedules, raw, "BACKUP_SCHEDULES", "{}");
}
