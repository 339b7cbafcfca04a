import { Hono } from "hono";
import { ComplianceQuery } from "../../../schemas/reports";
import { complianceReport } from "../../reports/compliance";
import { toCsv, toHtml } from "../../reports/render";
import type { AppEnv } from "../app";
import { parseOrThrow, pathId } from "../validate";
import { readStoredReport, storedReports } from "../../reports/stored";
import { z } from "zod";

export const StoredReportName = z.string().regex(/^compliance_\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}$/, "not a stored report name");

/** Reports for auditors (docs/RETENTION.md, "Compliance reports"). */
export function reportRoutes() {
  const r = new Hono<AppEnv>();
  r.get("/reports/compliance", async (c) => {
    const q = parseOrThrow(ComplianceQuery, c.req.query());
    const report = await complianceReport(c.env, new Date(q.from).toISOString(), new Date(q.to).toISOString(), c.get("principal").subject);
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
  });
  /** Reports the schedule stored in the repository (task `compliance_report`), and one of them. */
  r.get("/reports/stored", async (c) => c.json({ reports: await storedReports(c.env) }));
  r.get("/reports/stored/:name", async (c) => {
    const name = pathId(c.req.param("name"), StoredReportName, "stored report");
    return c.json(await readStoredReport(c.env, name));
  });
  return r;
}
