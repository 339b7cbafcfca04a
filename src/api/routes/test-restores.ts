import { Hono } from "hono";
import { BackupId } from "../../../schemas/api";
import { ListTestRestoresQuery, TestRestoreId } from "../../../schemas/test-restore";
import { getTestRestore, listTestRestores, reportOf } from "../../catalog/test-restores";
import { NotFoundError } from "../../errors";
import { startTestRestore } from "../../test-restore/start";
import type { AppEnv } from "../app";
import { parseOrThrow, pathId } from "../validate";
import type { z } from "zod";
import type { TestRestoreStarted } from "../../../schemas/responses";

/** Non-destructive test restores (drills) and their reports. */
export function testRestoreRoutes() {
  const r = new Hono<AppEnv>();

  r.post("/backup/:id/test-restore", async (c) => {
    const backupId = pathId(c.req.param("id"), BackupId, "backup");
    c.set("auditTarget", backupId);
    const id = await startTestRestore(c.env, { backup_id: backupId, requested_by: c.get("principal").subject, trigger: "api" });
    c.set("auditTarget", `${id} <- ${backupId}`);
    return c.json({ test_id: id, backup_id: backupId, status: "running" } satisfies z.infer<typeof TestRestoreStarted>, 202);
  });

  r.get("/test-restores", async (c) => {
    const q = parseOrThrow(ListTestRestoresQuery, c.req.query());
    return c.json({ test_restores: (await listTestRestores(c.env.CATALOG_DB, q)).map(reportOf) });
  });

  r.get("/test-restores/:id", async (c) => {
    const id = pathId(c.req.param("id"), TestRestoreId, "test restore");
    const row = await getTestRestore(c.env.CATALOG_DB, id);
    if (!row) throw new NotFoundError(`test restore ${id} not found`);
    return c.json(reportOf(row));
  });
  return r;
}
