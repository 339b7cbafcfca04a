import { createRoute } from "@hono/zod-openapi";
import { Health, Metrics, Whoami } from "../../../schemas/responses";
import { ERRORS, json, routes } from "../openapi";
import { z } from "zod";
import { BACKUP_TYPES } from "../../../schemas/api";
import { authConfig } from "../../auth/authenticate";
import { healthReport } from "../../health/health";
import { metrics } from "../../catalog/metrics";

export const MetricsQuery = z.strictObject({
  days: z.coerce.number().int().min(1).max(400).default(30),
  type: z.enum(BACKUP_TYPES).optional(),
});

/** Health and metrics for operators (docs/OPERATIONS.md, "Health and metrics"). */
export function healthRoutes() {
  const r = routes();
  r.openapi(
    createRoute({
      method: "get",
      path: "/backup/health",
      summary: "Health: rates, last successes, RPO, storage, problems and what to do",
      responses: { 200: json(Health, "Health"), ...ERRORS },
    }),
    async (c) => c.json(await healthReport(c.env), 200),
  );
  r.openapi(
    createRoute({
      method: "get",
      path: "/whoami",
      summary: "Who the credential is: subject, roles, whether a second factor was shown",
      responses: { 200: json(Whoami, "The caller"), ...ERRORS },
    }),
    (c) => {
      const p = c.get("principal");
      return c.json(
        {
          subject: p.subject,
          roles: p.roles,
          via: p.via,
          second_factor: p.amr.some((m) => authConfig(c.env).AUTH_MFA_AMR.includes(m)),
        } satisfies z.infer<typeof Whoami>,
        200,
      );
    },
  );
  r.openapi(
    createRoute({
      method: "get",
      path: "/metrics",
      summary: "Backup, restore and drill metrics per day",
      request: { query: MetricsQuery },
      responses: { 200: json(Metrics, "Metrics"), ...ERRORS },
    }),
    async (c) => {
      const q = c.req.valid("query");
      return c.json(await metrics(c.env.CATALOG_DB, q.days, q.type), 200);
    },
  );
  return r;
}
