import { Hono } from "hono";
import { rebuildCatalog } from "../../catalog/rebuild";
import type { AppEnv } from "../app";

export function catalogRoutes() {
  const r = new Hono<AppEnv>();
  /** The catalog is an index: this rebuilds every completed backup's row from the manifests in BACKUP_BUCKET. */
  r.post("/catalog/rebuild", async (c) => {
    return c.json(await rebuildCatalog(c.env));
  });
  return r;
}
