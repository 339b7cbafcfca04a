import { parseSchedules } from "./schedules";

const HOUR = 3_600_000;

/**
 * How often a cron expression fires, roughly, for "has this happened when it should have" (docs/OPERATIONS.md):
 * every N minutes or hours, daily, weekly (a day of the week), monthly (a day of the month).
 */
export function cronIntervalMs(cron: string): number {
  const [min, hour, dom, , dow] = cron.trim().split(/\s+/);
  const every = (f: string | undefined) => /^\*\/(\d+)$/.exec(f ?? "")?.[1];
  if (every(min)) return Number(every(min)) * 60_000;
  if (min === "*") return 60_000;
  if (every(hour)) return Number(every(hour)) * HOUR;
  if (hour === "*") return HOUR;
  if (dom && dom !== "*") return 31 * 24 * HOUR;
  if (dow && dow !== "*") return 7 * 24 * HOUR;
  return 24 * HOUR;
}

/** For each backup type a schedule starts, the shortest interval it is started at. */
export function expectedBackupIntervals(raw: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [cron, tasks] of Object.entries(parseSchedules(raw))) {
    for (const t of tasks) if (t.task === "backup") out[t.type] = Math.min(out[t.type] ?? Infinity, cronIntervalMs(cron));
  }
  return out;
}
