import type { BackupType, Component, RestoreBody } from "../../schemas/api";
import { COMPONENT_TYPE, SYSTEM_TYPES, TYPE_COMPONENTS } from "../../schemas/api";
import { openAssetManifest, openSessionManifest } from "../repo/open";
import { selectionExists } from "../assets/selection";
import type { ReplayPlan } from "../../schemas/capture";
import type { ComponentRestorePlan, RequestSelection } from "../../schemas/workflows";
import { type BackupRow, childBackups, getBackup } from "../catalog/backups";
import { checkStepBudget, databaseRestoreSteps, feedRestoreSteps } from "../workflow-kit/step-budget";
import type { FeedReplay } from "../../schemas/feed";
import { replaySegmentCount } from "./replay";
import { openDatabaseManifest } from "../repo/open";
import { checkRestoreFits, restoredBytes } from "./size-limit";
import { ASSET_RESTORE_TARGETS, type Env, RESTORE_TARGETS, SESSION_RESTORE_PREFIX } from "../env";
import { ConflictError, ValidationError } from "../errors";
import { checkDatabaseSelection } from "./selection";
import { checkSessionObjects } from "../sessions/selection";

/** Restores write D1 at roughly this many rows a second here (docs/BENCHMARKS.md); estimates, not promises. */
const RESTORE_ROWS_PER_SECOND = 70_000;
const ASSET_RESTORE_BYTES_PER_SECOND = 45e6;

export type { ComponentRestorePlan };

/**
 * Everything a restore of one component needs, checked before anything starts: the backup that holds it (a
 * full-system backup's component backup), its completion, and that the selection exists in it.
 */
export async function planComponentRestore(
  env: Env,
  requested: BackupRow,
  body: RestoreBody,
  component: Component,
  instant: { pointInTime?: ReplayPlan; feeds?: { sessions?: FeedReplay; assets?: FeedReplay } } = {},
): Promise<ComponentRestorePlan> {
  const backup = SYSTEM_TYPES.includes(requested.type) ? await componentOf(env, requested, component) : requested;
  if (backup.status !== "completed")
    throw new ConflictError(`backup ${backup.id} is ${backup.status}; only a completed backup can be restored`);
  const holds = TYPE_COMPONENTS[backup.type as BackupType] ?? [];
  if (!holds.includes(component)) {
    throw new ValidationError(
      `components: backup ${backup.id} is a ${backup.type} backup; it holds ${holds.join(", ")}, not ${component}`,
      "components",
    );
  }
  const env_ = body.target_environment;
  if (component === "assets") {
    const filter = body.assets ?? {};
    const feed = instant.feeds?.assets;
    if (feed) {
      // The base's steps: its index segments, and one per ASSET_RESTORE_BYTES_PER_STEP written.
      const baseSteps =
        (await openAssetManifest(env, backup.id)).manifest.segments.length + Math.ceil((backup.raw_bytes ?? 0) / (256 << 20));
      checkStepBudget(env, `restoring assets to an instant from ${backup.id}`, feedRestoreSteps(baseSteps, feed));
    }
    // A selection may name what only the feed holds (created after the backup): checked against the backup without it.
    if (!feed && (filter.key !== undefined || filter.prefix !== undefined)) {
      const { repo, manifest } = await openAssetManifest(env, backup.id);
      if (!(await selectionExists(repo, manifest, filter))) {
        const field = filter.key !== undefined ? "assets.key" : "assets.prefix";
        throw new ValidationError(
          `${field}: backup ${backup.id} has no object ${filter.key !== undefined ? `with key "${filter.key}"` : `under prefix "${filter.prefix}"`}`,
          field,
        );
      }
    }
    const target_binding = ASSET_RESTORE_TARGETS[env_];
    return {
      component,
      backup,
      target_binding,
      params: { backup_id: backup.id, target_binding, filter, ...(feed ? { feed } : {}) },
      estimated_seconds: (backup.raw_bytes ?? 0) / ASSET_RESTORE_BYTES_PER_SECOND,
    };
  }
  if (component === "sessions") {
    const feed = instant.feeds?.sessions;
    if (body.sessions?.objects && !feed) await checkSessionObjects(env, backup.id, body.sessions.objects);
    const name_prefix = SESSION_RESTORE_PREFIX[env_];
    if (feed) {
      const indexSegments = (await openSessionManifest(env, backup.id)).manifest.segments.length;
      checkStepBudget(env, `restoring sessions to an instant from ${backup.id}`, feedRestoreSteps(indexSegments, feed));
    }
    return {
      component,
      backup,
      target_binding: `SESSIONS${name_prefix ? `:${name_prefix}` : ""}`,
      params: {
        backup_id: backup.id,
        objects: body.sessions?.objects,
        skip_expired: body.sessions?.skip_expired ?? false,
        name_prefix,
        ...(feed ? { feed } : {}),
      },
      estimated_seconds: (backup.rows ?? 0) / RESTORE_ROWS_PER_SECOND,
    };
  }
  // The API refuses config first (it is restored by redeploying); a plan never carries it.
  if (component === "config")
    throw new ValidationError("components: configuration is restored by redeploying, not by a restore", "components");
  const { rows: baseRow, replay } = await databaseReplay(env, backup, instant.pointInTime);
  const scope = body.database ? await checkDatabaseSelection(env, baseRow.id, body.database) : undefined;
  // Refused now, not at step 10,001: the whole database's shape bounds a scoped restore's too.
  checkStepBudget(
    env,
    `restoring backup ${baseRow.id}`,
    databaseRestoreSteps({
      chunks: baseRow.chunks ?? 0,
      raw_bytes: baseRow.raw_bytes ?? 0,
      tables: baseRow.tables ?? 0,
      segments: replay ? await replaySegmentCount(env, replay) : 0,
    }),
  );
  const target_binding = RESTORE_TARGETS[env_];
  // The target must hold its peak under D1's cap: a whole database over half of it is restored table by table.
  const { manifest } = await openDatabaseManifest(env, baseRow.id);
  await checkRestoreFits(env, target_binding, restoredBytes(manifest, scope ?? { kind: "full" }));
  return {
    component,
    backup,
    target_binding,
    params: { backup_id: baseRow.id, target_binding, ...(scope ? { scope } : {}), ...(replay ? { replay } : {}) },
    estimated_seconds: ((baseRow.rows ?? 0) + (backup === baseRow ? 0 : (backup.rows ?? 0))) / RESTORE_ROWS_PER_SECOND,
  };
}

/**
 * The full backup whose rows a database restore loads, and the change-log entries it applies on top: a point in
 * time's; an incremental backup's chain from its base; or a full backup's own scan window (capture installed).
 */
async function databaseReplay(env: Env, backup: BackupRow, pointInTime?: ReplayPlan): Promise<{ rows: BackupRow; replay?: ReplayPlan }> {
  if (pointInTime) return { rows: backup, replay: pointInTime };
  if (backup.type === "incremental_database") {
    const base = backup.base_backup_id ? await getBackup(env.CATALOG_DB, backup.base_backup_id) : null;
    if (base?.status !== "completed" || base.seq_start === null || base.seq_end === null) {
      throw new ConflictError(
        `incremental backup ${backup.id} needs its base ${backup.base_backup_id ?? "(unknown)"}, which is not a completed full backup with change capture`,
      );
    }
    return { rows: base, replay: { after_seq: base.seq_start, through_seq: backup.seq_end ?? base.seq_end } };
  }
  if (backup.seq_start !== null && backup.seq_end !== null)
    return { rows: backup, replay: { after_seq: backup.seq_start, through_seq: backup.seq_end } };
  return { rows: backup };
}

async function componentOf(env: Env, system: BackupRow, component: Component): Promise<BackupRow> {
  if (system.status !== "completed")
    throw new ConflictError(`backup ${system.id} is ${system.status}; only a completed backup can be restored`);
  const child = (await childBackups(env.CATALOG_DB, system.id)).find((b) => b.type === COMPONENT_TYPE[component]);
  if (!child) throw new ValidationError(`components: full-system backup ${system.id} has no ${component} backup`, "components");
  return child;
}

/**
 * Plans putting components back from a safety snapshot, in the scope the restore they undo had (the API's
 * selection): a one-user restore is undone for that user only, never by rewinding the whole database.
 */
export async function rollbackPlans(
  env: Env,
  safety: Partial<Record<Component, string>>,
  components: Component[],
  selection: RequestSelection,
): Promise<ComponentRestorePlan[]> {
  const plans: ComponentRestorePlan[] = [];
  for (const c of components) {
    const backup = await getBackup(env.CATALOG_DB, safety[c]!);
    if (!backup) throw new ConflictError(`safety snapshot ${safety[c]} of ${c} is not in the catalog`);
    const body: RestoreBody = { backup_id: backup.id, components: [c], target_environment: "production", dry_run: false, ...selection };
    plans.push(await planComponentRestore(env, backup, body, c));
  }
  return plans;
}
