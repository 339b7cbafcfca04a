import { audit } from "../catalog/audit-log";
import type { Env } from "../env";
import { NotFoundError } from "../errors";
import { fromUtf8, utf8 } from "../repo/bytes";
import { Layout } from "../repo/layout";
import { openRepository } from "../repo/open";
import { ObjectKind } from "../repo/sealed-object";
import { complianceReport } from "./compliance";

/** The whole calendar months (UTC) before `now`'s month: [first day of `months` months ago, first day of this month). */
export function lastMonths(now: Date, months: number): { from: string; to: string } {
  const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - months, 1));
  return { from: from.toISOString(), to: to.toISOString() };
}

const nameOf = (from: string, to: string) => `compliance_${from.slice(0, 10)}_${to.slice(0, 10)}`;

/**
 * A scheduled compliance report: generated for the last whole months, sealed into the repository under its period's
 * name (write-once: a second run for the same period keeps the first), and announced (`report.stored`, notified).
 * The report's digest is in the audit trail (`report.generated`), so the stored copy can be checked against it.
 */
export async function storeComplianceReport(
  env: Env,
  months: number,
  now = new Date(),
): Promise<{ name: string; digest: string; written: boolean }> {
  const { from, to } = lastMonths(now, months);
  const name = nameOf(from, to);
  const repo = await openRepository(env);
  const report = await complianceReport(env, from, to, "system:schedule");
  const put = await repo.putSealed(ObjectKind.report, Layout.report(name), utf8.encode(JSON.stringify(report)));
  await audit(env.CATALOG_DB, {
    actor: "system:schedule",
    action: "report.stored",
    target: name,
    outcome: 1,
    detail: { kind: "compliance", from, to, digest: report.digest, key: Layout.report(name), written: put.written },
  });
  return { name, digest: report.digest, written: put.written };
}

/** The stored reports' names, newest period last (bounded: one a month). */
export async function storedReports(env: Env): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.BACKUP_BUCKET.list({ prefix: Layout.reportPrefix, cursor, limit: 1000 });
    names.push(...page.objects.map((o) => o.key.slice(Layout.reportPrefix.length)));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return names;
}

/** One stored report, read through every check of a sealed object. */
export async function readStoredReport(env: Env, name: string): Promise<unknown> {
  const repo = await openRepository(env);
  if (!(await env.BACKUP_BUCKET.head(Layout.report(name)))) throw new NotFoundError(`no stored report ${name}`);
  return JSON.parse(fromUtf8.decode(await repo.getSealed(ObjectKind.report, Layout.report(name), "stored report")));
}
