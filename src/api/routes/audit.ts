import { createRoute } from "@hono/zod-openapi";
import { AuditPage, AuditSealed, AuditVerification, UnauthenticatedCounts } from "../../../schemas/responses";
import { ERRORS, json, routes } from "../openapi";
import { z } from "zod";
import { AuditQuery } from "../../../schemas/audit";
import { queryAudit, unauthenticatedCounts } from "../../catalog/audit-log";
import { sealAuditChain } from "../../audit/seal";
import { verifyAuditChain } from "../../audit/verify";

export const VerifyQuery = z.strictObject({ after: z.coerce.number().int().min(0).default(0) });
export const UnauthenticatedQuery = z.strictObject({
  since: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

/** The hash-chained audit log (docs/AUDIT.md): read with filters, verify, seal now. */
export function auditRoutes() {
  const r = routes();

  r.openapi(
    createRoute({
      method: "get",
      path: "/audit",
      summary: "The audit trail, filtered, newest first",
      request: { query: AuditQuery },
      responses: { 200: json(AuditPage, "Entries"), ...ERRORS },
    }),
    async (c) => {
      const q = c.req.valid("query");
      return c.json(await queryAudit(c.env.CATALOG_DB, q), 200);
    },
  );

  r.openapi(
    createRoute({
      method: "get",
      path: "/audit/verify",
      summary: "Walk the hash chain and the sealed copies",
      request: { query: VerifyQuery },
      responses: { 200: json(AuditVerification, "What the walk found"), ...ERRORS },
    }),
    async (c) => {
      const q = c.req.valid("query");
      return c.json(await verifyAuditChain(c.env, q.after), 200);
    },
  );

  /** Requests that failed authentication, counted per source and minute (docs/AUDIT.md); the last day by default. */
  r.openapi(
    createRoute({
      method: "get",
      path: "/audit/unauthenticated",
      summary: "Requests that failed authentication, per source and minute",
      request: { query: UnauthenticatedQuery },
      responses: { 200: json(UnauthenticatedCounts, "Counts"), ...ERRORS },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const since = `${new Date(q.since ? Date.parse(q.since) : Date.now() - 86_400_000).toISOString().slice(0, 16)}Z`;
      return c.json({ since, counts: await unauthenticatedCounts(c.env.CATALOG_DB, since, q.limit) }, 200);
    },
  );

  r.openapi(
    createRoute({
      method: "post",
      path: "/audit/seal",
      summary: "Seal new audit entries to the bucket now",
      responses: { 200: json(AuditSealed, "Sealed"), ...ERRORS },
    }),
    async (c) => c.json(await sealAuditChain(c.env), 200),
  );
  return r;
}
