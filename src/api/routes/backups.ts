import { humanDuration } from "../../units";
import { createRoute, z } from "@hono/zod-openapi";
import { BackupCreated, BackupList, BackupView, RestorePoints } from "../../../schemas/responses";
import { body, ERRORS, eventStream, idParam, json, routes } from "../openapi";
import { CreateBackupBody, ListBackupsQuery } from "../../../schemas/api";
import { childBackups, getBackup, listBackups, summarise, typicalBackupMs } from "../../catalog/backups";
import { feedRestorableUntil } from "../../feed/plan";
import { completedPoints } from "../../catalog/backup-instants";
import { startBackup } from "../../backup/start";
import { NotFoundError } from "../../errors";
import type { Env } from "../../env";
import { statusEvents } from "../status-events";
import { restorePoints } from "../../capture/coverage";
import { progressOf } from "../progress";
import { BackupId, COMPONENT_TYPE, SYSTEM_TYPES } from "../../../schemas/api";
import { backupBinding, workflowOf } from "../../launch";

const RestorePointsQuery = z.strictObject({ component: z.enum(["database", "sessions", "assets"]).default("database") });
const _SSE = {
  description: "Server-Sent Events: `status` with the whole view at each change, then `end`",
  content: { "text/event-stream": { schema: z.string() } },
};

export function backupRoutes() {
  const r = routes();

  r.openapi(
    createRoute({
      method: "post",
      path: "/backup/create",
      summary: "Start a backup",
      request: { body: body(CreateBackupBody) },
      responses: { 202: json(BackupCreated, "Started"), ...ERRORS },
    }),
    async (c) => {
      const b = c.req.valid("json");
      const id = await startBackup(c.env, { ...b, requested_by: c.get("principal").subject, trigger: "api" });
      c.set("auditTarget", id);
      const typical = await typicalBackupMs(c.env.CATALOG_DB, b.type);
      const seconds = Math.ceil((typical ?? 60_000) / 1000);
      return c.json(
        {
          backup_id: id,
          status: "initiated" as const,
          type: b.type,
          components: b.components,
          estimated_duration: humanDuration(seconds),
          estimated_duration_seconds: seconds,
        },
        202,
      );
    },
  );

  r.openapi(
    createRoute({
      method: "get",
      path: "/backup/list",
      summary: "Backups, filtered and paged",
      request: { query: ListBackupsQuery },
      responses: { 200: json(BackupList, "A page of backups, newest first"), ...ERRORS },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const { rows, total } = await listBackups(c.env.CATALOG_DB, q);
      return c.json({ backups: rows.map(summarise), total, page: q.page }, 200);
    },
  );

  /** Time ranges a point-in-time restore can reach (docs/CAPTURE.md). */
  r.openapi(
    createRoute({
      method: "get",
      path: "/backup/restore-points",
      summary: "Instants a restore to an instant can reach: the database's ranges, or sessions' and assets' backups",
      request: { query: RestorePointsQuery },
      responses: { 200: json(RestorePoints, "Restorable ranges and the RPO"), ...ERRORS },
    }),
    async (c) => {
      const { component } = c.req.valid("query");
      if (component === "database") return c.json({ component, ...(await restorePoints(c.env)) }, 200);
      const points = await completedPoints(c.env.CATALOG_DB, COMPONENT_TYPE[component], 200);
      let latest = points[0]?.at ?? null;
      // The change feed carries the newest backup forward (src/feed/plan.ts), as health's RPO says.
      const carried = await feedRestorableUntil(c.env, component);
      const feed =
        carried && carried.reached > Date.parse(carried.base.completed_at!)
          ? { from: carried.base.completed_at!, to: new Date(carried.reached).toISOString(), base_backup_id: carried.base.id }
          : null;
      if (feed) latest = feed.to;
      const rpo_seconds = latest === null ? null : Math.max(0, Math.round((Date.now() - Date.parse(latest)) / 1000));
      return c.json({ component, points, latest, rpo_seconds, ...(feed ? { feed } : {}) }, 200);
    },
  );

  r.openapi(
    createRoute({
      method: "get",
      path: "/backup/{id}",
      summary: "A backup: status, progress, manifest summary",
      request: { params: idParam(BackupId, "backup") },
      responses: { 200: json(BackupView, "The backup"), ...ERRORS },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      c.set("auditTarget", id);
      return c.json(await backupView(c.env, id), 200);
    },
  );

  /** The same view as Server-Sent Events: an event whenever it changes, until the backup ends (or 30 minutes). */
  r.openapi(
    createRoute({
      method: "get",
      path: "/backup/{id}/events",
      summary: "A backup's progress as Server-Sent Events",
      request: { params: idParam(BackupId, "backup") },
      responses: { 200: eventStream, ...ERRORS },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      c.set("auditTarget", id);
      return statusEvents(c, await backupView(c.env, id), () => backupView(c.env, id), TERMINAL);
    },
  );
  return r;
}

const TERMINAL = new Set(["completed", "failed"]);

/** A backup as the API shows it: summary, progress with an ETA, workflow state, manifest summary. */
async function backupView(env: Env, id: string): Promise<z.infer<typeof BackupView>> {
  const b = await getBackup(env.CATALOG_DB, id);
  if (!b) throw new NotFoundError(`backup ${id} not found`);
  let workflow: string | null = null;
  try {
    workflow = (await (await workflowOf(env, backupBinding(b.type)).get(id)).status()).status;
  } catch {
    workflow = null; // rebuilt from the bucket, or the instance has aged out of the platform's retention
  }
  return {
    ...summarise(b),
    description: b.description,
    requested_by: b.requested_by,
    trigger: b.trigger,
    created_at: b.created_at,
    started_at: b.started_at,
    completed_at: b.completed_at,
    current_step: b.step,
    progress: b.progress ? JSON.parse(b.progress) : null,
    ...progressOf("backup", b),
    workflow_status: workflow,
    restarts: b.restarts,
    parent_id: b.parent_id,
    ...(b.seq_end !== null
      ? {
          change_log: {
            base_backup_id: b.base_backup_id,
            seq_start: b.seq_start,
            seq_end: b.seq_end,
            as_of: b.as_of === null ? null : new Date(b.as_of).toISOString(),
          },
        }
      : {}),
    ...(b.time_travel_bookmark
      ? {
          time_travel: {
            bookmark: b.time_travel_bookmark,
            restore_in_place: `npx wrangler d1 time-travel restore OIDC_DB --bookmark=${b.time_travel_bookmark}`,
          },
        }
      : {}),
    ...(SYSTEM_TYPES.includes(b.type)
      ? {
          component_backups: (await childBackups(env.CATALOG_DB, id)).map((x) => ({
            ...summarise(x),
            error: x.error ? { code: x.error_code, message: x.error } : null,
          })),
        }
      : {}),
    error: b.error ? { code: b.error_code, message: b.error } : null,
    manifest:
      b.status === "completed"
        ? {
            key: b.manifest_key,
            tables: b.tables,
            rows: b.rows,
            raw_bytes: b.raw_bytes,
            stored_bytes: b.stored_bytes,
            chunks: b.chunks,
            new_chunks: b.new_chunks,
            duration_ms: b.duration_ms,
          }
        : null,
  };
}
