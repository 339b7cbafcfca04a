import { humanDuration } from "../../units";
import { Hono } from "hono";
import { CreateBackupBody, ListBackupsQuery } from "../../../schemas/api";
import { childBackups, getBackup, listBackups, summarise, typicalBackupMs } from "../../catalog/backups";
import { startBackup } from "../../backup/start";
import { NotFoundError, ValidationError } from "../../errors";
import type { AppEnv } from "../app";
import type { Env } from "../../env";
import { statusEvents } from "../status-events";
import { jsonBody, parseOrThrow, pathId } from "../validate";
import { restorePoints } from "../../capture/coverage";
import { progressOf } from "../progress";
import { BackupId, SYSTEM_TYPES } from "../../../schemas/api";
import { backupBinding, workflowOf } from "../../launch";
import type { z } from "zod";
import type { BackupCreated, BackupList } from "../../../schemas/responses";

export function backupRoutes() {
  const r = new Hono<AppEnv>();

  r.post("/backup/create", async (c) => {
    const body = parseOrThrow(CreateBackupBody, await jsonBody(c.req.raw));
    const id = await startBackup(c.env, { ...body, requested_by: c.get("principal").subject, trigger: "api" });
    c.set("auditTarget", id);
    const typical = await typicalBackupMs(c.env.CATALOG_DB, body.type);
    const seconds = Math.ceil((typical ?? 60_000) / 1000);
    return c.json(
      {
        backup_id: id,
        status: "initiated",
        type: body.type,
        components: body.components,
        estimated_duration: humanDuration(seconds),
        estimated_duration_seconds: seconds,
      } satisfies z.infer<typeof BackupCreated>,
      202,
    );
  });

  r.get("/backup/list", async (c) => {
    const q = parseOrThrow(ListBackupsQuery, c.req.query());
    const { rows, total } = await listBackups(c.env.CATALOG_DB, q);
    return c.json({ backups: rows.map(summarise), total, page: q.page } satisfies z.infer<typeof BackupList>);
  });

  /** Time ranges a point-in-time restore can reach (docs/CAPTURE.md). */
  r.get("/backup/restore-points", async (c) => {
    const component = c.req.query("component") ?? "database";
    if (component !== "database")
      throw new ValidationError(`component: point-in-time restore covers the database only, not ${component}`, "component");
    return c.json({ component, ...(await restorePoints(c.env)) });
  });

  r.get("/backup/:id", async (c) => {
    const id = pathId(c.req.param("id"), BackupId, "backup");
    c.set("auditTarget", id);
    return c.json(await backupView(c.env, id));
  });

  /** The same view as Server-Sent Events: an event whenever it changes, until the backup ends (or 30 minutes). */
  r.get("/backup/:id/events", async (c) => {
    const id = pathId(c.req.param("id"), BackupId, "backup");
    c.set("auditTarget", id);
    return statusEvents(c, await backupView(c.env, id), () => backupView(c.env, id), TERMINAL);
  });
  return r;
}

const TERMINAL = new Set(["completed", "failed"]);

/** A backup as the API shows it: summary, progress with an ETA, workflow state, manifest summary. */
async function backupView(env: Env, id: string) {
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
