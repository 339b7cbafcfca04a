import { createRoute } from "@hono/zod-openapi";
import { CatalogRebuilt } from "../../../schemas/responses";
import { ERRORS, json, routes } from "../openapi";
import { rebuildCatalog } from "../../catalog/rebuild";

export function catalogRoutes() {
  const r = routes();
  /** The catalog is an index: this rebuilds every completed backup's row from the manifests in BACKUP_BUCKET. */
  r.openapi(
    createRoute({
      method: "post",
      path: "/catalog/rebuild",
      summary: "Rebuild the catalog from the bucket",
      responses: { 200: json(CatalogRebuilt, "What was rebuilt"), ...ERRORS },
    }),
    async (c) => {
      return c.json(await rebuildCatalog(c.env), 200);
    },
  );
  return r;
}
