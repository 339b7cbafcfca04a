import { recordBreak } from "../catalog/capture";
import { installCapture } from "./install";
import { hasChangeLog } from "./log";
import { CAPTURE_SOURCE } from "./ship";

/**
 * After a full restore replaced the tables of a captured database: their capture triggers went with the old
 * tables, so install them on the new ones, and record a break: the change log cannot carry an earlier base
 * across a restore (the restored rows were never logged). Returns false when the target is not captured.
 */
export async function resumeCapture(
  target: D1Database,
  catalog: D1Database,
  binding: string,
  swappedAt: number,
  restoreId: string,
  exclude: string[],
): Promise<boolean> {
  if (binding !== CAPTURE_SOURCE || !(await hasChangeLog(target))) return false;
  const { report } = await installCapture(target, exclude);
  await recordBreak(catalog, {
    source: CAPTURE_SOURCE,
    after_seq: report.high_water,
    kind: "restore",
    next_seq: null,
    known_until: swappedAt,
    detail: `the database was replaced by restore ${restoreId}`,
  });
  return true;
}
