import { Hono } from "hono";
import { z } from "zod";
import type { Whoami } from "../../../schemas/responses";
import { BACKUP_TYPES } from "../../../schemas/api";
import { authConfig } from "../../auth/authenticate";
import { healthReport } from "../../health/health";
import { metrics } from "../../catalog/metrics";
import type { AppEnv } from "../app";
import { parseOrThrow } from "../validate";

export const MetricsQuery = z.strictObject({
  days: z.coerce.number().int().min(1).max(400).default(30),
  type: z.enum(BACKUP_TYPES).optional(),
});

/** Health and metrics for operators (docs/OPERATIONS.md, "Health and metrics"). */
export function healthRoutes() {
  const r = new Hono<AppEnv>();
  r.get("/backup/health", async (c) => c.json(await healthReport(c.env)));
  r.get("/whoami", (c) => {
    const p = c.get("principal");
    return c.json({
      subject: p.subject,
      roles: p.roles,
      via: p.via,
      second_factor: p.amr.some((m) => authConfig(c.env).AUTH_MFA_AMR.includes(m)),
    } satisfies z.infer<typeof Whoami>);
  });
  r.get("/metrics", async (c) => {
    const q = parseOrThrow(MetricsQuery, c.req.query());
    return c.json(await metrics(c.env.CATALOG_DB, q.days, q.type));
  });
  return r;
}
