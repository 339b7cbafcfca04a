import { humanDuration } from "../../units";
import type { SelectionItem } from "../../restore/selection-summary";
import { audit } from "../../catalog/audit-log";
import { createRoute } from "@hono/zod-openapi";
import { RestoreDryRun, RestoreStarted, RestoreView } from "../../../schemas/responses";
import { body, ERRORS, eventStream, idParam, json, routes } from "../openapi";
import { statusEvents } from "../status-events";
import { progressOf } from "../progress";
import { RestoreBody, RestoreId } from "../../../schemas/api";
import { planRestoreRequest } from "../../restore/request";
import { getBackup } from "../../catalog/backups";
import { childRestores, getApproval, getRestore, readRestoreLog, restoreInProgress, type RestoreRow } from "../../catalog/restores";
import { startComponentRestore } from "../../restore/start";
import { describePlan } from "../../restore/dry-run";
import { ConflictError, NotFoundError } from "../../errors";
import { authConfig } from "../../auth/authenticate";
import { requireMfa, requireRole } from "../../auth/roles";
import { newId } from "../../ids";
import { startProductionRestore } from "../../restore/start";

export function restoreRoutes() {
  const r = routes();

  r.openapi(
    createRoute({
      method: "post",
      path: "/backup/restore",
      summary: "Start a restore (or a dry run): a backup or an instant, whole or scoped",
      request: { body: body(RestoreBody) },
      responses: { 202: json(RestoreStarted, "Started"), 200: json(RestoreDryRun, "A dry run: what it would do"), ...ERRORS },
    }),
    async (c) => {
      const principal = c.get("principal");
      const body = c.req.valid("json");
      if (body.target_environment === "production") {
        requireRole(principal, "restore_requester", "restoring into production");
        // A dry run changes nothing, so the role suffices; the real thing needs a person with a second factor.
        if (!body.dry_run) requireMfa(principal, authConfig(c.env), "restoring into production");
      } else requireRole(principal, "operator", "restoring into a non-production target");
      c.set("auditTarget", body.backup_id ?? body.target_timestamp);
      const { requested, plans, instants } = await planRestoreRequest(c.env, body);
      if (body.dry_run) {
        const described = [];
        for (const plan of plans) described.push(await describePlan(c.env, plan));
        c.set("auditTarget", `dry run: ${body.backup_id ?? body.target_timestamp}`);
        await audit(c.env.CATALOG_DB, {
          actor: principal.subject,
          action: "restore.dry_run",
          target: requested.id,
          outcome: 1,
          request_id: c.get("requestId"),
          detail: { target_environment: body.target_environment, components: body.components },
        });
        return c.json(
          {
            dry_run: true as const,
            target_environment: body.target_environment,
            ...(body.target_timestamp !== undefined
              ? { target_timestamp: body.target_timestamp, base_backup_id: requested.id, instants }
              : {}),
            ...estimatedDuration(Math.ceil(Math.max(...plans.map((p) => p.estimated_seconds))) + 5),
            plan: described,
          },
          200,
        );
      }
      if (body.target_environment === "production") {
        // One production restore at a time, whatever its stage (waiting for approval included).
        const busy = await restoreInProgress(c.env.CATALOG_DB, { production: true });
        if (busy) throw new ConflictError(`production restore ${busy} is in progress; one at a time`);
        const id = await startProductionRestore(c.env, {
          backup_id: requested.id,
          components: body.components,
          requested_by: principal.subject,
          plans,
          target_timestamp: body.target_timestamp,
          selection: { database: body.database, assets: body.assets, sessions: body.sessions },
        });
        c.set("auditTarget", `${id} <- ${requested.id}`);
        return c.json(
          {
            restore_id: id,
            status: "initiated" as const,
            stages: ["gate", "approval", "safety snapshot", ...plans.map((p) => `restore ${p.component}`), "final verification"],
            ...estimatedDuration(Math.ceil(Math.max(...plans.map((p) => p.estimated_seconds)) * 2) + 5),
            restores: [],
            ...(body.target_timestamp !== undefined
              ? { target_timestamp: body.target_timestamp, base_backup_id: requested.id, instants }
              : {}),
          },
          202,
        );
      }
      for (const plan of plans) {
        const busy = await restoreInProgress(c.env.CATALOG_DB, { target_binding: plan.target_binding });
        if (busy) throw new ConflictError(`restore ${busy} is already running against ${body.target_environment} (${plan.component})`);
      }

      const started: { component: string; restore_id: string; backup_id: string }[] = [];
      for (const plan of plans) {
        const id = newId("rs");
        await startComponentRestore(c.env, plan, {
          id,
          target_environment: body.target_environment,
          requested_by: principal.subject,
          target_timestamp: body.target_timestamp,
        });
        started.push({ component: plan.component, restore_id: id, backup_id: plan.backup.id });
      }
      c.set("auditTarget", started.map((s) => `${s.restore_id} <- ${s.backup_id}`).join(", "));
      const estimate = Math.max(...plans.map((p) => p.estimated_seconds));
      return c.json(
        {
          restore_id: started[0]!.restore_id,
          status: "initiated" as const,
          ...estimatedDuration(Math.ceil(estimate) + 5),
          restores: started,
          ...(body.target_timestamp !== undefined
            ? { target_timestamp: body.target_timestamp, base_backup_id: requested.id, instants }
            : {}),
        },
        202,
      );
    },
  );

  r.openapi(
    createRoute({
      method: "get",
      path: "/restore/{id}",
      summary: "A restore: stage, progress, log, approval",
      request: { params: idParam(RestoreId, "restore") },
      responses: { 200: json(RestoreView, "The restore"), ...ERRORS },
    }),
    async (c) => {
      const id = c.req.valid("param").id;
      c.set("auditTarget", id);
      return c.json(await restoreView(c.env.CATALOG_DB, id), 200);
    },
  );

  /** The same view as Server-Sent Events: an event whenever it changes, until the restore ends (or 30 minutes). */
  r.openapi(
    createRoute({
      method: "get",
      path: "/restore/{id}/events",
      summary: "A restore's progress as Server-Sent Events",
      request: { params: idParam(RestoreId, "restore") },
      responses: { 200: eventStream, ...ERRORS },
    }),
    async (c) => {
      const id = c.req.valid("param").id;
      c.set("auditTarget", id);
      return statusEvents(c, await restoreView(c.env.CATALOG_DB, id), () => restoreView(c.env.CATALOG_DB, id), TERMINAL);
    },
  );
  return r;
}

const TERMINAL = new Set(["completed", "failed", "rolled_back", "cancelled"]);

/** A restore as the API shows it: catalog row, progress with an ETA, and its log. */
async function restoreView(db: D1Database, id: string) {
  const row = await getRestore(db, id);
  if (!row) throw new NotFoundError(`restore ${id} not found`);
  return {
    restore_id: row.id,
    backup_id: row.backup_id,
    target_timestamp: row.target_timestamp,
    status: row.status,
    stage: row.stage,
    progress: row.progress ? JSON.parse(row.progress) : null,
    ...progressOf("restore", row),
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
    ...(row.target_timestamp && row.target_binding !== "production" ? { instant: await instantReached(db, row) } : {}),
    ...(row.target_binding === "production" ? await stagesView(db, row) : {}),
    ...(row.parent_id ? { parent_id: row.parent_id } : {}),
    log: await readRestoreLog(db, id),
  };
}

/** An orchestrating production restore: its gate, approval, safety snapshot and component restores. */
async function stagesView(db: D1Database, row: RestoreRow) {
  const approval = await getApproval(db, row.id);
  return {
    gate_test_id: row.gate_test_id,
    /** Exactly what approving lets overwrite: per component, the backup, the scope and the instant. */
    selection: row.selection ? (JSON.parse(row.selection) as SelectionItem[]) : null,
    approval: {
      requested_by: row.requested_by,
      expires_at: row.approval_expires_at,
      decision: approval?.decision ?? null,
      decided_by: approval?.decided_by ?? null,
      comment: approval?.comment ?? null,
      decided_at: approval?.decided_at ?? null,
    },
    safety_backups: row.safety_backups ? (JSON.parse(row.safety_backups) as Record<string, string>) : null,
    rollback_until: row.rollback_until,
    restores: await Promise.all(
      (await childRestores(db, row.id)).map(async (r) => ({
        restore_id: r.id,
        component: (JSON.parse(r.components) as string[])[0],
        backup_id: r.backup_id,
        status: r.status,
        ...(r.target_timestamp ? { instant: await instantReached(db, r) } : {}),
      })),
    ),
  };
}

/**
 * The instant a component restore to `target_timestamp` reaches: the instant itself for the database (its change log
 * is replayed to it), for sessions carried by the change feed the instant its plan fixed, else the completion of the
 * backup it reads; and the skew between the two, in seconds.
 */
async function instantReached(db: D1Database, r: RestoreRow) {
  const component = (JSON.parse(r.components) as string[])[0];
  const target = r.target_timestamp!;
  const reached = component === "database" ? target : (r.reached_at ?? (await getBackup(db, r.backup_id))?.completed_at ?? null);
  return { target, reached, skew_seconds: reached === null ? null : Math.round((Date.parse(target) - Date.parse(reached)) / 1000) };
}

/** An estimate in words ("15 minutes", as the product requirements answer it) and in seconds. */
function estimatedDuration(seconds: number) {
  return { estimated_duration: humanDuration(seconds), estimated_duration_seconds: seconds };
}
