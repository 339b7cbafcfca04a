import { Hono } from "hono";
import { z } from "zod";
import { AuditQuery } from "../../../schemas/audit";
import { queryAudit } from "../../catalog/audit-log";
import { sealAuditChain } from "../../audit/seal";
import { verifyAuditChain } from "../../audit/verify";
import type { AppEnv } from "../app";
import { parseOrThrow } from "../validate";

export const VerifyQuery = z.strictObject({ after: z.coerce.number().int().min(0).default(0) });

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

  r.post("/audit/seal", async (c) => c.json(await sealAuditChain(c.env)));
  return r;
}
