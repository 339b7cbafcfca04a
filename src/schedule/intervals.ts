import { Cron } from "croner";
import { parseSchedules } from "./schedules";

/**
 * Cron expressions read by a cron library (croner: standard five fields, UTC as Cloudflare's triggers are), so "has
 * this happened when it should have" follows the exact schedule: `0 2,14 * * *` is due twice a day, `30 2 * * 1-5`
 * on weekdays only (docs/OPERATIONS.md, "Schedules").
 */
function cronOf(expr: string): Cron {
  return new Cron(expr, { timezone: "UTC", paused: true });
}

/** The latest instant `expr` fired at or before `at`, or null when it never has. */
export function previousRun(expr: string, at: Date): Date | null {
  return cronOf(expr).previousRuns(1, at)[0] ?? null;
}

/** The usual gap between two runs of `expr` around `at` (for display: "expected every N h"). */
export function typicalGapMs(expr: string, at: Date): number {
  const [a, b] = cronOf(expr).nextRuns(2, at);
  return a && b ? b.getTime() - a.getTime() : 0;
}

export interface BackupDue {
  /** The latest scheduled start of this type at or before now, over every cron that starts it; null when none yet. */
  last_due: number | null;
  /** The shortest usual gap between scheduled starts of this type. */
  every_ms: number;
}

/** For each backup type a schedule starts: when it was last due, and how often it usually is. */
export function backupDueTimes(raw: string | undefined, now: number): Record<string, BackupDue> {
  const out: Record<string, BackupDue> = {};
  for (const [cron, tasks] of Object.entries(parseSchedules(raw))) {
    const due = previousRun(cron, new Date(now))?.getTime() ?? null;
    const gap = typicalGapMs(cron, new Date(now));
    for (const t of tasks) {
      if (t.task !== "backup") continue;
      const seen = out[t.type];
      out[t.type] = {
        last_due: seen?.last_due == null ? due : due === null ? seen.last_due : Math.max(seen.last_due, due),
        every_ms: seen ? Math.min(seen.every_ms, gap) : gap,
      };
    }
  }
  return out;
}
