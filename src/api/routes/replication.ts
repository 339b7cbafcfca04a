import { Hono } from "hono";
import { z } from "zod";
import { BackupId } from "../../../schemas/api";
import { getBackup } from "../../catalog/backups";
import { ConflictError, NotFoundError } from "../../errors";
import { replicaOf } from "../../replication/replica";
import { startCatchUp, startScrub, startVerifyBackup } from "../../replication/start";
import type { AppEnv } from "../app";
import { jsonBody, parseOrThrow, pathId } from "../validate";
import { getReplicationRun, getScrubRun, replicationSummary } from "../../catalog/replication";

const RunId = (prefix: string) => z.string().regex(new RegExp(`^${prefix}_[0-9a-zA-Z_-]{1,80}$`));
export const ScrubBody = z.strictObject({ objects: z.number().int().min(1).max(10_000_000).optional() });

/** Replication, scrubbing and full verification of one backup (docs/REPLICATION.md). */
export function replicationRoutes() {
  const r = new Hono<AppEnv>();

  r.get("/replication", async (c) => {
    const { last, byStatus, scrub, lastScrub } = await replicationSummary(c.env.CATALOG_DB);
    return c.json({
      enabled: replicaOf(c.env) !== null,
      last_catch_up: last,
      backups: byStatus,
      scrub: {
        ...scrub,
        period_days: Number(c.env.SCRUB_PERIOD_DAYS || 30),
        last_run: lastScrub ? { ...lastScrub, report: lastScrub.report ? JSON.parse(lastScrub.report) : null } : null,
      },
    });
  });

  r.post("/replication/catch-up", async (c) => {
    if (!replicaOf(c.env)) throw new ConflictError("CROSS_REGION_REPLICATION is off: there is no replica to catch up");
    const id = await startCatchUp(c.env, "api");
    c.set("auditTarget", id);
    return c.json({ run_id: id, status: "running" }, 202);
  });

  r.get("/replication/runs/:id", async (c) => {
    const id = pathId(c.req.param("id"), RunId("rp"), "replication run");
    const row = await getReplicationRun(c.env.CATALOG_DB, id);
    if (!row) throw new NotFoundError(`replication run ${id} not found`);
    return c.json(row);
  });

  r.post("/scrub", async (c) => {
    const body = parseOrThrow(ScrubBody, await jsonBody(c.req.raw));
    const id = await startScrub(c.env, body.objects);
    c.set("auditTarget", id);
    return c.json({ run_id: id, status: "running" }, 202);
  });

  r.get("/scrub/runs/:id", async (c) => {
    const id = pathId(c.req.param("id"), RunId("sc"), "scrub run");
    const row = await getScrubRun(c.env.CATALOG_DB, id);
    if (!row) throw new NotFoundError(`scrub run ${id} not found`);
    return c.json({ ...row, report: row.report ? JSON.parse(row.report) : null });
  });

  r.post("/backup/:id/verify", async (c) => {
    const id = pathId(c.req.param("id"), BackupId, "backup");
    c.set("auditTarget", id);
    const b = await getBackup(c.env.CATALOG_DB, id);
    if (!b) throw new NotFoundError(`backup ${id} not found`);
    if (b.status !== "completed") throw new ConflictError(`backup ${id} is ${b.status}: only a completed backup can be verified`);
    const check = await startVerifyBackup(c.env, id, c.get("principal").subject);
    return c.json({ check_id: check, backup_id: id, status: "running" }, 202);
  });
  return r;
}
