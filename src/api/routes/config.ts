import { openRepository } from "../../repo/open";
import { Hono } from "hono";
import { z } from "zod";
import { BackupId } from "../../../schemas/api";
import { ConfigManifest } from "../../../schemas/config-manifest";
import { getBackup } from "../../catalog/backups";
import { diffConfig } from "../../config-backup/diff";
import type { Env } from "../../env";
import { NotFoundError, ValidationError } from "../../errors";
import type { AppEnv } from "../app";
import { parseOrThrow, pathId } from "../validate";

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
  const r = new Hono<AppEnv>();

  r.get("/backup/:id/config", async (c) => {
    const id = pathId(c.req.param("id"), BackupId, "backup");
    c.set("auditTarget", id);
    const m = await readConfigBackup(c.env, id, "id");
    return c.json({ backup_id: id, captured_at: m.completed_at, config: m.config });
  });

  r.get("/config/diff", async (c) => {
    const q = parseOrThrow(DiffQuery, c.req.query());
    c.set("auditTarget", `${q.from}..${q.to}`);
    const [a, b] = [await readConfigBackup(c.env, q.from, "from"), await readConfigBackup(c.env, q.to, "to")];
    return c.json({ from: q.from, to: q.to, changes: diffConfig(a.config, b.config) });
  });
  return r;
}
