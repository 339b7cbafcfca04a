import { describe, expect, it } from "vitest";
import { BackupSchedules } from "../../schemas/config";
import { cronMatches } from "../../scripts/lib/cron.ts";
import { readWranglerConfig } from "../../scripts/lib/wrangler-config.ts";

describe("wrangler.jsonc", () => {
  const config = readWranglerConfig();

  it("has a BACKUP_SCHEDULES entry for every cron trigger, and a cron trigger for every entry", () => {
    const schedules = BackupSchedules.parse(JSON.parse(String(config.vars.BACKUP_SCHEDULES)));
    expect(Object.keys(schedules).sort()).toEqual([...(config.triggers?.crons ?? [])].sort());
  });

  it("fires the local ticker's crons at the minutes cron would", () => {
    const at = (iso: string) => new Date(iso);
    expect(cronMatches("0 2 * * *", at("2026-11-29T02:00:00Z"))).toBe(true);
    expect(cronMatches("0 2 * * *", at("2026-11-29T02:01:00Z"))).toBe(false);
    expect(cronMatches("*/5 * * * *", at("2026-11-29T10:35:00Z"))).toBe(true);
    expect(cronMatches("*/5 * * * *", at("2026-11-29T10:36:00Z"))).toBe(false);
    expect(cronMatches("0 4 * * 0", at("2026-11-29T04:00:00Z"))).toBe(true); // a Sunday
    expect(cronMatches("0 4 * * 0", at("2026-11-30T04:00:00Z"))).toBe(false);
    expect(cronMatches("0 5 1 * *", at("2026-12-01T05:00:00Z"))).toBe(true);
    expect(cronMatches("0 9-17/4 * * 1-5", at("2026-11-30T13:00:00Z"))).toBe(true);
  });
});
