import { Hono } from "hono";
import { z } from "zod";
import { AuditQuery } from "../../../schemas/audit";
import { queryAudit, unauthenticatedCounts } from "../../catalog/audit-log";
import { sealAuditChain } from "../../audit/seal";
import { verifyAuditChain } from "../../audit/verify";
import type { AppEnv } from "../app";
import { parseOrThrow } from "../validate";

export const VerifyQuery = z.strictObject({ after: z.coerce.number().int().min(0).default(0) });
export const UnauthenticatedQuery = z.strictObject({
  since: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

/** The hash-chained audit log (docs/AUDIT.md): read with filters, verify, seal now. */
export function auditRoutes() {
  const r = new Hono<AppEnv>();

  r.get("/audit", async (c) => {
    const q = parseOrThrow(AuditQuery, c.req.query());
    return c.json(await queryAudit(c.env.CATALOG_DB, q));
  });

  r.get("/audit/verify", async (c) => {
    const q = parseOrThrow(VerifyQuery, c.req.query());
    return c.json(await verifyAuditChain(c.env, q.after));
  });

  /** Requests that failed authentication, counted per source and minute (docs/AUDIT.md); the last day by default. */
  r.get("/audit/unauthenticated", async (c) => {
    const q = parseOrThrow(UnauthenticatedQuery, c.req.query());
    const since = `${new Date(q.since ? Date.parse(q.since) : Date.now() - 86_400_000).toISOString().slice(0, 16)}Z`;
    return c.json({ since, counts: await unauthenticatedCounts(c.env.CATALOG_DB, since, q.limit) });
  });

  r.post("/audit/seal", async (c) => c.json(await sealAuditChain(c.env)));
  return r;
}
