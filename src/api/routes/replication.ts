import { createRoute } from "@hono/zod-openapi";
import { Replication, ReplicationRun, RunStarted, ScrubRun, VerifyStarted } from "../../../schemas/responses";
import { body, ERRORS, idParam, json, routes } from "../openapi";
import { z } from "zod";
import { BackupId } from "../../../schemas/api";
import { getBackup } from "../../catalog/backups";
import { ConflictError, NotFoundError } from "../../errors";
import { replicaOf } from "../../replication/replica";
import { startCatchUp, startScrub, startVerifyBackup } from "../../replication/start";
import { getReplicationRun, getScrubRun, replicationSummary } from "../../catalog/replication";

const RunId = (prefix: string) => z.string().regex(new RegExp(`^${prefix}_[0-9a-zA-Z_-]{1,80}$`));
export const ScrubBody = z.strictObject({ objects: z.number().int().min(1).max(10_000_000).optional() });

/** Replication, scrubbing and full verification of one backup (docs/REPLICATION.md). */
export function replicationRoutes() {
  const r = routes();

  r.openapi(
    createRoute({
      method: "get",
      path: "/replication",
      summary: "Replication and scrub state",
      responses: { 200: json(Replication, "State"), ...ERRORS },
    }),
    async (c) => {
      const { last, byStatus, scrub, lastScrub } = await replicationSummary(c.env.CATALOG_DB);
      return c.json(
        {
          enabled: replicaOf(c.env) !== null,
          last_catch_up: last,
          backups: byStatus,
          scrub: {
            ...scrub,
            period_days: Number(c.env.SCRUB_PERIOD_DAYS || 30),
            last_run: lastScrub ? { ...lastScrub, report: lastScrub.report ? JSON.parse(lastScrub.report) : null } : null,
          },
        },
        200,
      );
    },
  );

  r.openapi(
    createRoute({
      method: "post",
      path: "/replication/catch-up",
      summary: "Copy what the replica lacks",
      responses: { 202: json(RunStarted, "Started"), ...ERRORS },
    }),
    async (c) => {
      if (!replicaOf(c.env)) throw new ConflictError("CROSS_REGION_REPLICATION is off: there is no replica to catch up");
      const id = await startCatchUp(c.env, "api");
      c.set("auditTarget", id);
      return c.json({ run_id: id, status: "running" as const }, 202);
    },
  );

  r.openapi(
    createRoute({
      method: "get",
      path: "/replication/runs/{id}",
      summary: "A catch-up run",
      request: { params: idParam(RunId("rp"), "replication run") },
      responses: { 200: json(ReplicationRun, "The run"), ...ERRORS },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const row = await getReplicationRun(c.env.CATALOG_DB, id);
      if (!row) throw new NotFoundError(`replication run ${id} not found`);
      return c.json(row, 200);
    },
  );

  r.openapi(
    createRoute({
      method: "post",
      path: "/scrub",
      summary: "Scrub the next slice of both copies",
      request: { body: body(ScrubBody) },
      responses: { 202: json(RunStarted, "Started"), ...ERRORS },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const id = await startScrub(c.env, body.objects);
      c.set("auditTarget", id);
      return c.json({ run_id: id, status: "running" as const }, 202);
    },
  );

  r.openapi(
    createRoute({
      method: "get",
      path: "/scrub/runs/{id}",
      summary: "A scrub run's report",
      request: { params: idParam(RunId("sc"), "scrub run") },
      responses: { 200: json(ScrubRun, "The run"), ...ERRORS },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const row = await getScrubRun(c.env.CATALOG_DB, id);
      if (!row) throw new NotFoundError(`scrub run ${id} not found`);
      return c.json({ ...row, report: row.report ? JSON.parse(row.report) : null }, 200);
    },
  );

  r.openapi(
    createRoute({
      method: "post",
      path: "/backup/{id}/verify",
      summary: "Verify every object of a backup, in both copies",
      request: { params: idParam(BackupId, "backup") },
      responses: { 202: json(VerifyStarted, "Started"), ...ERRORS },
    }),
    async (c) => {
      const id = c.req.valid("param").id;
      c.set("auditTarget", id);
      const b = await getBackup(c.env.CATALOG_DB, id);
      if (!b) throw new NotFoundError(`backup ${id} not found`);
      if (b.status !== "completed") throw new ConflictError(`backup ${id} is ${b.status}: only a completed backup can be verified`);
      const check = await startVerifyBackup(c.env, id, c.get("principal").subject);
      return c.json({ check_id: check, backup_id: id, status: "running" as const }, 202);
    },
  );
  return r;
}
