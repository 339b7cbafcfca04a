import { Hono } from "hono";
import { z } from "zod";
import { seedSessions, sessionObjectCount } from "../../demo/sessions";
import { NotFoundError } from "../../errors";
import type { AppEnv } from "../app";
import { requireRole } from "../auth";
import { jsonBody, parseOrThrow } from "../validate";

const SeedSessionsBody = z.object({ sessions: z.number().int().min(1).max(1_000_000).default(2000), objects: z.number().int().min(1).max(10_000).default(200) }).strict();

/**
 * Demo data that only the Worker can write (Durable Objects cannot be reached from Node). Exists only when
 * DEMO_MODE is "true" (`.dev.vars.example` sets it; production never does); otherwise these routes are 404.
 */
export function demoRoutes() {
  const r = new Hono<AppEnv>();
  r.use("/demo/*", async (c, next) => {
    if (c.env.DEMO_MODE !== "true") throw new NotFoundError(`no route ${c.req.method} ${new URL(c.req.url).pathname}`);
    requireRole(c.get("principal"), "admin", "seeding demo data");
    await next();
  });
  r.post("/demo/seed-sessions", async (c) => {
    const body = parseOrThrow(SeedSessionsBody, await jsonBody(c.req.raw));
    const before = await sessionObjectCount(c.env);
    const began = Date.now();
    const seeded = await seedSessions(c.env, body);
    return c.json({ ...seeded, objects_before: before, objects_after: await sessionObjectCount(c.env), ms: Date.now() - began });
  });
  r.get("/demo/sessions", async (c) => c.json({ objects: await sessionObjectCount(c.env) }));
  return r;
}
