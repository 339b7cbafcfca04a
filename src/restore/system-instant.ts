import { COMPONENT_TYPE, type Component } from "../../schemas/api";
import type { ReplayPlan } from "../../schemas/capture";
import { NotRestorableError, planPointInTime } from "../capture/coverage";
import type { BackupRow } from "../catalog/backups";
import { backupsAround } from "../catalog/backup-instants";
import type { Env } from "../env";
import { VaultlineError } from "../errors";
import type { FeedReplay } from "../../schemas/feed";
import { planFeed } from "../feed/plan";

/** Where one component lands for a requested instant: the backup read, the instant reached, how far before it. */
export interface ComponentInstant {
  component: Component;
  backup_id: string;
  /** The instant the component is restored to: the requested one (database, replayed), else its backup's. */
  reached: string;
  /** requested − reached, in seconds (0 for the database). */
  skew_seconds: number;
  /** True when the component is restored exactly as it was at the instant. */
  exact: boolean;
}

/** A system instant some component cannot reach: the reason, and per component the nearest restorable instants. */
export class SystemInstantError extends VaultlineError {
  constructor(message: string, nearest: Partial<Record<Component, { before: string | null; after: string | null }>>) {
    super("not_restorable", message, 422, "target_timestamp");
    this.details = { nearest_restorable: nearest };
  }
}

/**
 * One instant across the system (docs/API.md, `target_timestamp`): the database exactly as it was (its full backup
 * and the change log replayed to the instant), sessions and assets from their newest backup completed at or before
 * the instant, carried forward by their change feed; each with the instant it reached and the skew. Every component is resolved before anything starts; when
 * one cannot reach the instant, nothing does, and the error names the nearest restorable instants per component.
 */
export async function planSystemInstant(
  env: Env,
  at: string,
  components: Component[],
): Promise<{
  backups: Map<Component, BackupRow>;
  pointInTime?: ReplayPlan;
  feeds: { sessions?: FeedReplay; assets?: FeedReplay };
  instants: ComponentInstant[];
}> {
  const ms = Date.parse(at);
  const iso = new Date(ms).toISOString();
  const backups = new Map<Component, BackupRow>();
  const instants: ComponentInstant[] = [];
  const problems: string[] = [];
  let databaseError: NotRestorableError | undefined;
  const nearest: Partial<Record<Component, { before: string | null; after: string | null }>> = {};
  let pointInTime: ReplayPlan | undefined;
  const feeds: { sessions?: FeedReplay; assets?: FeedReplay } = {};
  for (const component of components) {
    if (component === "database") {
      try {
        const pit = await planPointInTime(env, ms);
        pointInTime = pit.replay;
        backups.set(component, pit.base);
        instants.push({ component, backup_id: pit.base.id, reached: iso, skew_seconds: 0, exact: true });
      } catch (e) {
        if (!(e instanceof NotRestorableError)) throw e;
        databaseError = e;
        problems.push(`database: ${e.message}`);
        nearest.database = (e.details as { nearest_restorable: { before: string | null; after: string | null } }).nearest_restorable;
      }
      continue;
    }
    const around = await backupsAround(env.CATALOG_DB, COMPONENT_TYPE[component], iso);
    if (!around.before) {
      problems.push(
        `${component}: no ${component} backup completed at or before ${iso}${around.after ? `; the first after it completed ${around.after}` : ""}`,
      );
      nearest[component] = { before: null, after: around.after };
      continue;
    }
    let reached = around.before.completed_at!;
    if (component === "sessions" || component === "assets") {
      // Their change feed carries the backup forward toward the instant (src/feed/plan.ts).
      const carried = await planFeed(env, component, around.before, ms);
      reached = new Date(carried.reached).toISOString();
      if (carried.replay) feeds[component] = carried.replay;
    }
    backups.set(component, around.before);
    instants.push({
      component,
      backup_id: around.before.id,
      reached,
      skew_seconds: Math.round((ms - Date.parse(reached)) / 1000),
      exact: false,
    });
  }
  if (problems.length) {
    // A database-only request keeps the database's own answer (nearest_restorable: {before, after}).
    if (components.length === 1 && databaseError) throw databaseError;
    throw new SystemInstantError(`${iso} cannot be restored for every component: ${problems.join("; ")}`, nearest);
  }
  return { backups, pointInTime, feeds, instants };
}
