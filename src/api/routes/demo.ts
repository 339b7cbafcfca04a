import { Hono } from "hono";
import { z } from "zod";
import { seedSessions, sessionObjectCount } from "../../demo/sessions";
import { changeShare, writeLoad } from "../../demo/workload";
import { seedAssets } from "../../demo/assets";
import { NotFoundError } from "../../errors";
import type { AppEnv } from "../app";
import { requireRole } from "../../auth/roles";
import { jsonBody, parseOrThrow } from "../validate";

export const SeedSessionsBody = z.object({ sessions: z.number().int().min(1).max(1_000_000).default(2000), objects: z.number().int().min(1).max(10_000).default(200) }).strict();

export const WriteLoadBody = z.object({ batches: z.number().int().min(1).max(1000).default(1), signins_per_batch: z.number().int().min(1).max(200).default(25), seed: z.number().int().default(1) }).strict();
export const SeedAssetsBody = z.object({ objects: z.number().int().min(1).max(10_000).default(100), bytes: z.number().int().min(0).max(16 << 20).default(1 << 20), prefix: z.string().max(100).default("files/") }).strict();
export const ChangeBody = z.object({ percent: z.number().min(0.01).max(100).default(1) }).strict();
export const AgeBody = z.strictObject({ days_apart: z.number().int().min(1).max(31).default(1) });

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
  /** Benchmarks: a few batches of sign-in traffic (capture overhead, RPO), and a 1 % change (incremental backups). */
  r.post("/demo/write-load", async (c) => {
    const body = parseOrThrow(WriteLoadBody, await jsonBody(c.req.raw));
    return c.json(await writeLoad(c.env.OIDC_DB, { batches: body.batches, signinsPerBatch: body.signins_per_batch, seed: body.seed }));
  });
  r.post("/demo/seed-assets", async (c) => {
    const body = parseOrThrow(SeedAssetsBody, await jsonBody(c.req.raw));
    const began = Date.now();
    return c.json({ ...(await seedAssets(c.env.ASSETS_BUCKET, body)), ms: Date.now() - began });
  });
  /**
   * Benchmarks of retention: spaces the completed top-level backups `days_apart` days apart by their catalog dates,
   * the newest now, as if one had been made each day. What the policy measures; the bucket is not touched.
   */
  r.post("/demo/age-backups", async (c) => {
    const body = parseOrThrow(AgeBody, await jsonBody(c.req.raw));
    const { results } = await c.env.CATALOG_DB.prepare(`SELECT id FROM backups WHERE status = 'completed' AND parent_id IS NULL ORDER BY completed_at DESC, id DESC`).all<{ id: string }>();
    const now = Date.now();
    const stmts = results.map((b, i) => {
      const at = new Date(now - i * body.days_apart * 86_400_000).toISOString();
      return c.env.CATALOG_DB.prepare(`UPDATE backups SET created_at = ?, completed_at = ? WHERE id = ? OR parent_id = ?`).bind(at, at, b.id, b.id);
    });
    for (let i = 0; i < stmts.length; i += 50) await c.env.CATALOG_DB.batch(stmts.slice(i, i + 50));
    return c.json({ aged: results.length });
  });
  r.post("/demo/change", async (c) => {
    const body = parseOrThrow(ChangeBody, await jsonBody(c.req.raw));
    return c.json(await changeShare(c.env.OIDC_DB, body.percent));
  });
  return r;
}
