/** A compliance report as CSV: one row per fact, `section,item,field,value`, so any spreadsheet reads it. */
export function toCsv(report: Record<string, unknown>): string {
  const rows: string[][] = [["section", "item", "field", "value"]];
  const walk = (section: string, item: string, v: unknown, field = "") => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        walk(section, String(i), x, field);
      });
    } else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(section, item, x, field ? `${field}.${k}` : k);
    else rows.push([section, item, field, v === null || v === undefined ? "" : String(v)]);
  };
  for (const [section, v] of Object.entries(report)) walk(section, "", v);
  return `${rows.map((r) => r.map(csvCell).join(",")).join("\r\n")}\r\n`;
}

function csvCell(s: string): string {
  // Quoted when needed, and a leading formula character neutralised (CSV injection into spreadsheets).
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const esc = (s: unknown) => String(s ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function table(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return "<p><em>none</em></p>";
  const cols = Object.keys(rows[0]!);
  const cell = (v: unknown) => esc(v && typeof v === "object" ? JSON.stringify(v) : v);
  return `<table><thead><tr>${cols.map((c) => `<th>${esc(c)}</th>`).join("")}</tr></thead><tbody>${rows.map((r) => `<tr>${cols.map((c) => `<td>${cell(r[c])}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
}

/** A compliance report as a self-contained HTML page (no scripts, every value escaped). */
export function toHtml(r: any): string {
  const section = (title: string, body: string) => `<section><h2>${esc(title)}</h2>${body}</section>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Vaultline compliance report ${esc(r.period.from)} to ${esc(r.period.to)}</title>
<style>body{font:14px/1.4 system-ui,sans-serif;margin:2rem;max-width:70rem}table{border-collapse:collapse;margin:.5rem 0 1.5rem;width:100%}th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}th{background:#f3f3f3}.ok{color:#060}.bad{color:#a00}code{word-break:break-all}</style></head><body>
<h1>Compliance report</h1>
<p>Period ${esc(r.period.from)} to ${esc(r.period.to)}; generated ${esc(r.generated_at)} by ${esc(r.generated_by)}.</p>
<p>Digest (SHA-256 of the JSON report without it): <code>${esc(r.digest)}</code>. Generating this report was audited with this digest.</p>
${section("Backups by type", table(r.backups))}
${section("RPO achieved", table(r.rpo.map((x: any) => ({ ...x, met: x.met ? "met" : "MISSED" }))))}
${section("RTO achieved (test restores)", table([{ ...r.rto, met: r.rto.met ? "met" : "MISSED" }]))}
${section(`Test restores: ${r.test_restores.run} run, ${r.test_restores.passed} passed, ${r.test_restores.failed} failed`, table(r.test_restores.items))}
${section("Retention enforced: backups forgotten", table(r.retention.forgotten))}
${section("Legal holds placed", table(r.legal_holds.placed))}
${section("Legal holds released", table(r.legal_holds.released))}
${section("Legal holds active", table(r.legal_holds.active))}
${section("Access to backup data", table(r.data_access))}
${section("Key rotations", table(r.keys.rotations))}
${section("Key retirements", table(r.keys.retirements))}
${section("Audit chain", `<p class="${r.audit_chain.ok ? "ok" : "bad"}">${r.audit_chain.ok ? "intact" : `BROKEN: ${esc(r.audit_chain.first_problem?.message)}`} (${esc(r.audit_chain.entries)} entries)</p>`)}
</body></html>`;
}
