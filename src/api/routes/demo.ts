import { Hono } from "hono";
import { z } from "zod";
import { NotFoundError } from "../../errors";
import type { AppEnv } from "../app";
import { requireRole } from "../../auth/roles";
import { jsonBody, parseOrThrow } from "../validate";
import { spaceBackupsApart } from "../../catalog/backups";

/** Routes the demo provider's Worker serves under /demo/, forwarded from /admin/demo/. */
export const DEMO_PROVIDER_ROUTES = [
  ["GET", "sessions"],
  ["POST", "seed-sessions"],
  ["POST", "write-load"],
  ["POST", "seed-assets"],
  ["POST", "change"],
] as const;

export const AgeBody = z.strictObject({ days_apart: z.number().int().min(1).max(31).default(1) });

/**
 * Local demo and benchmark helpers. Exist only when DEMO_MODE is "true" (`.dev.vars.example` sets it; production
 * never does); otherwise these routes are 404. Demo data and workload are the demo provider's business: its own
 * Worker (examples/demo-provider) serves them, and these routes forward to it through the DEMO_PROVIDER service
 * binding, knowing nothing of its schema.
 */
export function demoRoutes() {
  const r = new Hono<AppEnv>();
  r.use("/demo/*", async (c, next) => {
    if (c.env.DEMO_MODE !== "true") throw new NotFoundError(`no route ${c.req.method} ${new URL(c.req.url).pathname}`);
    requireRole(c.get("principal"), "admin", "seeding demo data");
    await next();
  });
  /**
   * Benchmarks of retention: spaces the completed top-level backups `days_apart` days apart by their catalog dates,
   * the newest now, as if one had been made each day. What the policy measures; the bucket is not touched.
   */
  r.post("/demo/age-backups", async (c) => {
    const body = parseOrThrow(AgeBody, await jsonBody(c.req.raw));
    return c.json({ aged: await spaceBackupsApart(c.env.CATALOG_DB, body.days_apart) });
  });
  /** The rest is the demo provider's (it validates the bodies): seed sessions and files, write load, change rows. */
  for (const [method, path] of DEMO_PROVIDER_ROUTES) {
    r.on(method, `/demo/${path}`, async (c) => {
      if (!c.env.DEMO_PROVIDER)
        throw new NotFoundError("no demo provider is bound (DEMO_PROVIDER): demo data lives in the provider's own Worker");
      const body = method === "GET" ? undefined : JSON.stringify(await jsonBody(c.req.raw));
      const res = await c.env.DEMO_PROVIDER.fetch(`https://demo-provider/demo/${path}`, {
        method,
        headers: { "content-type": "application/json" },
        body,
      });
      return new Response(res.body, { status: res.status, headers: { "content-type": "application/json" } });
    });
  }
  return r;
}
