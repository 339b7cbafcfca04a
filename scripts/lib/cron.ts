// Whether a cron expression fires in a given minute (UTC, as Cloudflare's triggers), for npm start's local ticker:
// read by the same cron library the Worker uses (croner, src/schedule/intervals.ts).
import { Cron } from "croner";

export function cronMatches(expr: string, at: Date): boolean {
  const minute = new Date(Math.floor(at.getTime() / 60_000) * 60_000);
  return new Cron(expr, { timezone: "UTC", paused: true }).match(minute);
}
