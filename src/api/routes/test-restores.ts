import { createRoute } from "@hono/zod-openapi";
import { TestRestoreList, TestRestoreReport, TestRestoreStarted } from "../../../schemas/responses";
import { ERRORS, idParam, json, routes } from "../openapi";
import { BackupId } from "../../../schemas/api";
import { ListTestRestoresQuery, TestRestoreId } from "../../../schemas/test-restore";
import { getTestRestore, listTestRestores, reportOf } from "../../catalog/test-restores";
import { NotFoundError } from "../../errors";
import { startTestRestore } from "../../test-restore/start";
import type { z } from "zod";

/** Non-destructive test restores (drills) and their reports. */
export function testRestoreRoutes() {
  const r = routes();

  r.openapi(
    createRoute({
      method: "post",
      path: "/backup/{id}/test-restore",
      summary: "Start a test restore (drill) of a backup into the sandbox",
      request: { params: idParam(BackupId, "backup") },
      responses: { 202: json(TestRestoreStarted, "Started"), ...ERRORS },
    }),
    async (c) => {
      const backupId = c.req.valid("param").id;
      c.set("auditTarget", backupId);
      const id = await startTestRestore(c.env, { backup_id: backupId, requested_by: c.get("principal").subject, trigger: "api" });
      c.set("auditTarget", `${id} <- ${backupId}`);
      return c.json({ test_id: id, backup_id: backupId, status: "running" as const } satisfies z.infer<typeof TestRestoreStarted>, 202);
    },
  );

  r.openapi(
    createRoute({
      method: "get",
      path: "/test-restores",
      summary: "Test restores and their reports",
      request: { query: ListTestRestoresQuery },
      responses: { 200: json(TestRestoreList, "Drills"), ...ERRORS },
    }),
    async (c) => {
      const q = c.req.valid("query");
      return c.json({ test_restores: (await listTestRestores(c.env.CATALOG_DB, q)).map(reportOf) }, 200);
    },
  );

  r.openapi(
    createRoute({
      method: "get",
      path: "/test-restores/{id}",
      summary: "A test restore's report",
      request: { params: idParam(TestRestoreId, "test restore") },
      responses: { 200: json(TestRestoreReport, "The drill"), ...ERRORS },
    }),
    async (c) => {
      const id = c.req.valid("param").id;
      const row = await getTestRestore(c.env.CATALOG_DB, id);
      if (!row) throw new NotFoundError(`test restore ${id} not found`);
      return c.json(reportOf(row), 200);
    },
  );
  return r;
}
