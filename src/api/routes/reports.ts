import { createRoute } from "@hono/zod-openapi";
import { ComplianceReport, StoredReport, StoredReports } from "../../../schemas/responses";
import { ERRORS, json, routes } from "../openapi";
import { ComplianceQuery } from "../../../schemas/reports";
import { complianceReport } from "../../reports/compliance";
import { toCsv, toHtml } from "../../reports/render";
import { readStoredReport, storedReports } from "../../reports/stored";
import { z } from "zod";

export const StoredReportName = z.string().regex(/^compliance_\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}$/, "not a stored report name");

/** Reports for auditors (docs/RETENTION.md, "Compliance reports"). */
export function reportRoutes() {
  const r = routes();
  r.openapi(
    createRoute({
      method: "get",
      path: "/reports/compliance",
      summary: "The compliance report (json, csv or html)",
      request: { query: ComplianceQuery },
      responses: {
        200: {
          description: "The report; its digest also in x-report-digest",
          content: {
            "application/json": { schema: ComplianceReport },
            "text/csv": { schema: z.string() },
            "text/html": { schema: z.string() },
          },
        },
        ...ERRORS,
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const report = await complianceReport(
        c.env,
        new Date(q.from).toISOString(),
        new Date(q.to).toISOString(),
        c.get("principal").subject,
      );
      c.set("auditTarget", report.digest);
      const name = `vaultline-compliance-${q.from.slice(0, 10)}-${q.to.slice(0, 10)}`;
      if (q.format === "csv")
        return c.body(toCsv(report), 200, {
          "content-type": "text/csv; charset=utf-8",
          "content-disposition": `attachment; filename="${name}.csv"`,
          "x-report-digest": report.digest,
        });
      if (q.format === "html")
        return c.body(toHtml(report), 200, {
          "content-type": "text/html; charset=utf-8",
          "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
          "x-report-digest": report.digest,
        });
      return c.json(report, 200, { "x-report-digest": report.digest });
    },
  );
  /** Reports the schedule stored in the repository (task `compliance_report`), and one of them. */
  r.openapi(
    createRoute({
      method: "get",
      path: "/reports/stored",
      summary: "Compliance reports the schedule stored in the repository",
      responses: { 200: json(StoredReports, "Stored reports"), ...ERRORS },
    }),
    async (c) => c.json({ reports: await storedReports(c.env) }, 200),
  );
  r.openapi(
    createRoute({
      method: "get",
      path: "/reports/stored/{name}",
      summary: "One stored compliance report",
      request: { params: z.object({ name: StoredReportName }) },
      responses: { 200: json(StoredReport, "The report"), ...ERRORS },
    }),
    async (c) => {
      const name = c.req.valid("param").name;
      return c.json(StoredReport.parse(await readStoredReport(c.env, name)), 200);
    },
  );
  return r;
}
