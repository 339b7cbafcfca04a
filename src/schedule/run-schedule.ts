import { TYPE_COMPONENTS } from "../../schemas/api";
import { BackupSchedules } from "../../schemas/config";
import { startBackup } from "../backup/start";
import { audit } from "../catalog/audit";
import type { Env } from "../env";
import { parseJsonVar } from "../config";
import { runWatchdog } from "./watchdog";

export function parseSchedules(raw: string | undefined): BackupSchedules {
  return parseJsonVar(BackupSchedules, raw, "BACKUP_SCHEDULES", "{}");
}

/** What one cron firing does, looked up in BACKUP_SCHEDULES. A cron with no entry is audited and does nothing. */
export async function runSchedule(env: Env, cron: string): Promise<string[]> {
  const tasks = parseSchedules(env.BACKUP_SCHEDULES)[cron];
  const done: string[] = [];
  if (!tasks) {
    await audit(env.CATALOG_DB, { actor: "system:schedule", action: "schedule.unknown_cron", target: cron, outcome: 0 });
    return done;
  }
  for (const t of tasks) {
    if (t.task === "backup") {
      const id = await startBackup(env, { type: t.type, components: TYPE_COMPONENTS[t.type], requested_by: "system:schedule", trigger: "schedule" });
      await audit(env.CATALOG_DB, { actor: "system:schedule", action: "backup.start", target: id, outcome: 1, detail: { cron } });
      done.push(id);
    } else {
      const restarted = await runWatchdog(env);
      done.push(...restarted.map((r) => `restarted:${r}`));
    }
  }
  return done;
}
