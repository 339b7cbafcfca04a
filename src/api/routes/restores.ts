import { Hono } from "hono";
import { type BackupType, COMPONENT_TYPE, type Component, RestoreBody, RestoreId, TYPE_COMPONENTS } from "../../../schemas/api";
import { selectionExists } from "../../assets/selection";
import { checkDatabaseSelection } from "../../restore/selection";
import { restoreWorkflow } from "../../backup/start";
import { openAssetManifest } from "../../assets/open-manifest";
import { type BackupRow, childBackups, getBackup } from "../../catalog/backups";
import { getRestore, insertRestore, readRestoreLog, finishRestore } from "../../catalog/restores";
import { ASSET_RESTORE_TARGETS, type Env, RESTORE_TARGETS, SESSION_RESTORE_PREFIX } from "../../env";
import { checkSessionObjects } from "../../sessions/selection";
import { ConflictError, NotFoundError, ValidationError } from "../../errors";
import type { AppEnv } from "../app";
import { newId } from "../ids";
import { requireRole } from "../auth";
import { jsonBody, parseOrThrow } from "../validate";

/** Restores write D1 at roughly this many rows a second here (docs/BENCHMARKS.md); an estimate, not a promise. */
const RESTORE_ROWS_PER_SECOND = 70_000;
const ASSET_RESTORE_BYTES_PER_SECOND = 50e6;

async function componentOf(env: Env, system: BackupRow, component: Component): Promise<BackupRow> {
  if (system.status !== "completed") throw new ConflictError(`backup ${system.id} is ${system.status}; only a completed backup can be restored`);
  const child = (await childBackups(env.CATALOG_DB, system.id)).find((b) => b.type === COMPONENT_TYPE[component]);
  if (!child) throw new ValidationError(`components: full-system backup ${system.id} has no ${component} backup`, "components");
  return child;
}

export function restoreRoutes() {
  const r = new Hono<AppEnv>();

  r.post("/backup/restore", async (c) => {
    const principal = c.get("principal");
    requireRole(principal, "operator", "restoring");
    const body = parseOrThrow(RestoreBody, await jsonBody(c.req.raw));
    if (body.target_environment === "production") requireRole(principal, "admin", "restoring into production");
    c.set("auditTarget", body.backup_id);
    const requested = await getBackup(c.env.CATALOG_DB, body.backup_id);
    if (!requested) throw new NotFoundError(`backup ${body.backup_id} not found`);
    const component = body.components[0]!;
    // From a full-system backup, a component restores from the component backup it made.
    const backup = requested.type === "full_system" ? await componentOf(c.env, requested, component) : requested;
    if (backup.status !== "completed") throw new ConflictError(`backup ${backup.id} is ${backup.status}; only a completed backup can be restored`);
    body.backup_id = backup.id;
    const holds = TYPE_COMPONENTS[backup.type as BackupType] ?? [];
    if (!holds.includes(component)) {
      throw new ValidationError(`components: backup ${backup.id} is a ${backup.type} backup; it holds ${holds.join(", ")}, not ${component}`, "components");
    }
    if (body.assets && (body.assets.key !== undefined || body.assets.prefix !== undefined)) {
      const { repo, manifest } = await openAssetManifest(c.env, body.backup_id);
      if (!(await selectionExists(repo, manifest, body.assets))) {
        const field = body.assets.key !== undefined ? "assets.key" : "assets.prefix";
        throw new ValidationError(`${field}: backup ${body.backup_id} has no object ${body.assets.key !== undefined ? `with key "${body.assets.key}"` : `under prefix "${body.assets.prefix}"`}`, field);
      }
    }
    const scope = body.database ? await checkDatabaseSelection(c.env, body.backup_id, body.database) : undefined;
    if (body.sessions?.objects) await checkSessionObjects(c.env, backup.id, body.sessions.objects);
    const target =
      component === "assets" ? ASSET_RESTORE_TARGETS[body.target_environment]
      : component === "sessions" ? `SESSIONS${SESSION_RESTORE_PREFIX[body.target_environment] ? `:${SESSION_RESTORE_PREFIX[body.target_environment]}` : ""}`
      : RESTORE_TARGETS[body.target_environment];
    const busy = await c.env.CATALOG_DB.prepare(
      "SELECT id FROM restores WHERE target_binding = ? AND status IN ('initiated', 'awaiting_approval', 'running') LIMIT 1",
    )
      .bind(target)
      .first<string>("id");
    if (busy) throw new ConflictError(`restore ${busy} is already running against ${body.target_environment}`);

    const id = newId("rs");
    await insertRestore(c.env.CATALOG_DB, {
      id,
      backup_id: body.backup_id,
      components: body.components,
      target_environment: body.target_environment,
      target_binding: target,
      requested_by: principal.subject,
    });
    const params =
      component === "sessions"
        ? {
            restore_id: id, backup_id: body.backup_id, requested_by: principal.subject,
            objects: body.sessions?.objects, skip_expired: body.sessions?.skip_expired ?? false, name_prefix: SESSION_RESTORE_PREFIX[body.target_environment],
          }
        : component === "assets"
        ? { restore_id: id, backup_id: body.backup_id, target_binding: target, filter: body.assets ?? {}, requested_by: principal.subject }
        : { restore_id: id, backup_id: body.backup_id, target_binding: target, requested_by: principal.subject, ...(scope ? { scope } : {}) };
    try {
      await restoreWorkflow(c.env, component).create({ id, params });
    } catch (e) {
      await finishRestore(c.env.CATALOG_DB, id, { status: "failed", error_code: "workflow_start_failed", error: (e as Error).message });
      throw e;
    }
    c.set("auditTarget", `${id} <- ${body.backup_id}`);
    const estimate = component === "assets" ? (backup.raw_bytes ?? 0) / ASSET_RESTORE_BYTES_PER_SECOND : (backup.rows ?? 0) / RESTORE_ROWS_PER_SECOND;
    return c.json({ restore_id: id, status: "initiated", estimated_duration: Math.ceil(estimate) + 5 }, 202);
  });

  r.get("/restore/:id", async (c) => {
    requireRole(c.get("principal"), "viewer", "reading a restore");
    const id = c.req.param("id");
    if (!RestoreId.safeParse(id).success) throw new ValidationError("id: not a restore id", "id");
    c.set("auditTarget", id);
    const row = await getRestore(c.env.CATALOG_DB, id);
    if (!row) throw new NotFoundError(`restore ${id} not found`);
    return c.json({
      restore_id: row.id,
      backup_id: row.backup_id,
      status: row.status,
      stage: row.stage,
      progress: row.progress ? JSON.parse(row.progress) : null,
      components: JSON.parse(row.components),
      target_environment: row.target_environment,
      requested_by: row.requested_by,
      created_at: row.created_at,
      started_at: row.started_at,
      completed_at: row.completed_at,
      duration_ms: row.duration_ms,
      rows: row.rows,
      restarts: row.restarts,
      error: row.error ? { code: row.error_code, message: row.error } : null,
      log: await readRestoreLog(c.env.CATALOG_DB, id),
    });
  });
  return r;
}
