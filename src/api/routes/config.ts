import { openRepository } from "../../repo/open";
import { createRoute } from "@hono/zod-openapi";
import { ConfigBackupContent, ConfigDiff } from "../../../schemas/responses";
import { ERRORS, idParam, json, routes } from "../openapi";
import { z } from "zod";
import { BackupId } from "../../../schemas/api";
import { ConfigManifest } from "../../../schemas/config-manifest";
import { getBackup } from "../../catalog/backups";
import { diffConfig } from "../../config-backup/diff";
import type { Env } from "../../env";
import { NotFoundError, ValidationError } from "../../errors";

export const DiffQuery = z.strictObject({ from: BackupId, to: BackupId });

async function readConfigBackup(env: Env, id: string, field: string): Promise<ConfigManifest> {
  const row = await getBackup(env.CATALOG_DB, id);
  if (!row) throw new NotFoundError(`backup ${id} not found`);
  if (row.type !== "config") throw new ValidationError(`${field}: backup ${id} is a ${row.type} backup, not a config backup`, field);
  if (row.status !== "completed") throw new ValidationError(`${field}: backup ${id} is ${row.status}`, field);
  const repo = await openRepository(env);
  return ConfigManifest.parse(await repo.getManifestJson(id));
}

export function configRoutes() {
  const r = routes();

  r.openapi(
    createRoute({
      method: "get",
      path: "/backup/{id}/config",
      summary: "A configuration backup's content",
      request: { params: idParam(BackupId, "backup") },
      responses: { 200: json(ConfigBackupContent, "The captured configuration"), ...ERRORS },
    }),
    async (c) => {
      const id = c.req.valid("param").id;
      c.set("auditTarget", id);
      const m = await readConfigBackup(c.env, id, "id");
      return c.json({ backup_id: id, captured_at: m.completed_at, config: m.config }, 200);
    },
  );

  r.openapi(
    createRoute({
      method: "get",
      path: "/config/diff",
      summary: "Differences between two configuration backups",
      request: { query: DiffQuery },
      responses: { 200: json(ConfigDiff, "Changes"), ...ERRORS },
    }),
    async (c) => {
      const q = c.req.valid("query");
      c.set("auditTarget", `${q.from}..${q.to}`);
      const [a, b] = [await readConfigBackup(c.env, q.from, "from"), await readConfigBackup(c.env, q.to, "to")];
      return c.json({ from: q.from, to: q.to, changes: diffConfig(a.config, b.config) }, 200);
    },
  );
  return r;
}
