import { createRoute } from "@hono/zod-openapi";
import { DemoAnswer } from "../../../schemas/responses";
import { body, ERRORS, json, routes } from "../openapi";
import { z } from "zod";
import { NotFoundError } from "../../errors";
import { requireRole } from "../../auth/roles";
import { spaceBackupsApart } from "../../catalog/backups";

/** Routes the demo provider's Worker serves under /demo/, forwarded from /admin/demo/. */
export const DEMO_PROVIDER_ROUTES = [
  ["GET", "sessions"],
  ["POST", "seed-sessions"],
  ["POST", "write-load"],
  ["POST", "seed-assets"],
  ["POST", "change"],
] as const;

/** What the demo provider takes; it validates the fields itself. */
const DemoBody = z.looseObject({});

export const AgeBody = z.strictObject({ days_apart: z.number().int().min(1).max(31).default(1) });

/**
 * Local demo and benchmark helpers. Exist only when DEMO_MODE is "true" (`.dev.vars.example` sets it; production
 * never does); otherwise these routes are 404. Demo data and workload are the demo provider's business: its own
 * Worker (examples/demo-provider) serves them, and these routes forward to it through the DEMO_PROVIDER service
 * binding, knowing nothing of its schema.
 */
export function demoRoutes() {
  const r = routes();
  r.use("/demo/*", async (c, next) => {
    if (c.env.DEMO_MODE !== "true") throw new NotFoundError(`no route ${c.req.method} ${new URL(c.req.url).pathname}`);
    requireRole(c.get("principal"), "admin", "seeding demo data");
    await next();
  });
  /**
   * Benchmarks of retention: spaces the completed top-level backups `days_apart` days apart by their catalog dates,
   * the newest now, as if one had been made each day. What the policy measures; the bucket is not touched.
   */
  r.openapi(
    createRoute({
      method: "post",
      path: "/demo/age-backups",
      summary: "Demo only: space backups a day apart",
      request: { body: body(AgeBody) },
      responses: { 200: json(DemoAnswer, "Aged"), ...ERRORS },
    }),
    async (c) => {
      const body = c.req.valid("json");
      return c.json({ aged: await spaceBackupsApart(c.env.CATALOG_DB, body.days_apart) }, 200);
    },
  );
  /** The rest is the demo provider's (it validates the bodies): seed sessions and files, write load, change rows. */
  for (const [method, path] of DEMO_PROVIDER_ROUTES) {
    const route = createRoute({
      method: method === "GET" ? "get" : "post",
      path: `/demo/${path}`,
      summary: `Demo only: the demo provider's ${path}`,
      ...(method === "GET" ? {} : { request: { body: body(DemoBody) } }),
      responses: { 200: json(DemoAnswer, "The demo provider's answer"), ...ERRORS },
    });
    r.openapi(route, async (c) => {
      if (!c.env.DEMO_PROVIDER)
        throw new NotFoundError("no demo provider is bound (DEMO_PROVIDER): demo data lives in the provider's own Worker");
      const res = await c.env.DEMO_PROVIDER.fetch(`https://demo-provider/demo/${path}`, {
        method,
        headers: { "content-type": "application/json" },
        body: method === "GET" ? undefined : await c.req.text(),
      });
      return new Response(res.body, { status: res.status, headers: { "content-type": "application/json" } }) as never;
    });
  }
  return r;
}
