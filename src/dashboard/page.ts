/**
 * The operators' dashboard (docs/DASHBOARD.md): one page and one script, served by the Worker. The page holds no
 * data: it signs in with an access token (kept in sessionStorage for the tab) and reads everything through the admin
 * API, so every view is authorised and audited like any other call.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Vaultline</title>
<style>
:root{--bg:#f6f7f9;--card:#fff;--ink:#1d2330;--mute:#667085;--ok:#12813b;--warn:#b26b00;--bad:#b42318;--acc:#2f5bea}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;background:var(--bg);color:var(--ink)}
header{display:flex;gap:1rem;align-items:center;justify-content:space-between;padding:.75rem 1rem;background:#111827;color:#fff;flex-wrap:wrap}
header h1{font-size:1.1rem;margin:0}main{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:1rem;padding:1rem}
section{background:var(--card);border-radius:10px;padding:1rem;box-shadow:0 1px 2px #0001;min-width:0}section h2{font-size:1rem;margin:0 0 .5rem}
.wide{grid-column:1/-1}table{width:100%;border-collapse:collapse;font-size:13px}th,td{text-align:left;padding:.3rem .4rem;border-bottom:1px solid #eee;white-space:nowrap}
.scroll{overflow-x:auto}.status-completed,.ok{color:var(--ok)}.status-failed,.bad{color:var(--bad)}.status-running,.status-initiated,.warn{color:var(--warn)}
button,select,input{font:inherit;padding:.35rem .6rem;border-radius:6px;border:1px solid #ccd}button{background:var(--acc);color:#fff;border:0;cursor:pointer}button.secondary{background:#e4e7ec;color:var(--ink)}
.row{display:flex;gap:.5rem;flex-wrap:wrap;align-items:center;margin:.4rem 0}.mute{color:var(--mute)}.bar{height:8px;background:#e4e7ec;border-radius:4px;overflow:hidden}.bar>i{display:block;height:100%;background:var(--acc)}
#signin{max-width:28rem;margin:10vh auto;background:var(--card);padding:1.5rem;border-radius:10px}#signin input{width:100%}
svg{width:100%;height:120px}.hidden{display:none}
</style></head>
<body>
<form id="signin" class="hidden"><h1>Vaultline</h1><p class="mute">Sign in with your access token from the identity provider (or an API token).</p>
<input id="token" type="password" autocomplete="off" placeholder="access token" aria-label="access token"><div class="row"><button id="signin-button" type="submit">Sign in</button></div><p id="signin-error" class="bad"></p></form>
<div id="app" class="hidden">
<header><h1>Vaultline</h1><span id="who" class="mute"></span><button id="signout" class="secondary" type="button">Sign out</button></header>
<main>
<section><h2>Health</h2><div id="health">…</div></section>
<section><h2>RPO per component</h2><div id="rpo">…</div></section>
<section><h2>Success rate (14 days)</h2><div id="chart-success"></div></section>
<section><h2>Storage over time</h2><div id="chart-storage"></div></section>
<section class="wide"><h2>Backups</h2>
<div class="row"><select id="new-type" aria-label="backup type"><option>full_database</option><option>incremental_database</option><option>assets</option><option>sessions</option><option>config</option><option>full_system</option></select><button id="start-backup" type="button">Start backup</button>
<span class="mute">Filter:</span><select id="filter-type" aria-label="filter by type"><option value="">all types</option><option>full_database</option><option>incremental_database</option><option>assets</option><option>sessions</option><option>config</option><option>full_system</option><option>monthly_archive</option></select>
<select id="filter-status" aria-label="filter by status"><option value="">all statuses</option><option>completed</option><option>running</option><option>failed</option></select></div>
<div class="scroll"><table id="backups"><thead><tr><th>Backup</th><th>Type</th><th>Status</th><th>Progress</th><th>Started</th><th>Size</th></tr></thead><tbody></tbody></table></div></section>
<section class="wide"><h2>Pending approvals</h2><div id="approvals">…</div></section>
<section class="wide"><h2>Restore points</h2><div id="timeline">…</div></section>
<section class="wide"><h2>Test restores</h2><div class="scroll" id="drills">…</div></section>
<section class="wide" id="audit-section"><h2>Audit trail</h2><div class="scroll" id="audit">…</div></section>
</main></div>
<script type="module" src="/dashboard.js"></script>
</body></html>`;

export const DASHBOARD_JS = `
const $ = (s) => document.querySelector(s);
const esc = (v) => String(v ?? "").replace(/[&<>"']/g, (c) => "&#" + c.charCodeAt(0) + ";");
const token = () => sessionStorage.getItem("vaultline-token");
async function api(method, path, body) {
  const r = await fetch(path, { method, headers: { authorization: "Bearer " + token(), "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const j = await r.json().catch(() => null);
  if (!r.ok) { const e = new Error(j?.error?.message ?? r.status); e.status = r.status; e.code = j?.error?.code; throw e; }
  return j;
}
const mb = (n) => n == null ? "" : (n / 1e6).toFixed(1) + " MB";
function show(signedIn) { $("#signin").classList.toggle("hidden", signedIn); $("#app").classList.toggle("hidden", !signedIn); }

async function signIn(t) {
  sessionStorage.setItem("vaultline-token", t);
  try { const me = await api("GET", "/admin/whoami"); $("#who").textContent = me.subject + " (" + me.roles.join(", ") + (me.second_factor ? ", second factor" : "") + ")"; show(true); refresh(); }
  catch (e) { sessionStorage.removeItem("vaultline-token"); $("#signin-error").textContent = e.message; show(false); }
}
$("#signin").addEventListener("submit", (ev) => { ev.preventDefault(); signIn($("#token").value.trim()); });
$("#signout").addEventListener("click", () => { sessionStorage.removeItem("vaultline-token"); location.reload(); });
$("#start-backup").addEventListener("click", async () => {
  try { const b = await api("POST", "/admin/backup/create", { type: $("#new-type").value }); flash("started " + b.backup_id); refresh(); } catch (e) { flash(e.message, true); }
});
$("#filter-type").addEventListener("change", () => loadBackups());
$("#filter-status").addEventListener("change", () => loadBackups());
function flash(text, bad) { const p = document.createElement("p"); p.className = bad ? "bad" : "ok"; p.setAttribute("role", "status"); p.textContent = text; $("#backups").before(p); setTimeout(() => p.remove(), 8000); }

async function loadBackups() {
  const q = new URLSearchParams({ limit: "25" });
  if ($("#filter-type").value) q.set("type", $("#filter-type").value);
  if ($("#filter-status").value) q.set("status", $("#filter-status").value);
  const list = await api("GET", "/admin/backup/list?" + q);
  const rows = await Promise.all(list.backups.map(async (b) => (b.status === "running" || b.status === "initiated") ? { ...b, ...(await api("GET", "/admin/backup/" + b.backup_id)) } : b));
  $("#backups tbody").innerHTML = rows.map((b) => "<tr data-id='" + esc(b.backup_id) + "'><td>" + esc(b.backup_id) + "</td><td>" + esc(b.type) + "</td><td class='status status-" + esc(b.status) + "'>" + esc(b.status) + "</td><td>" +
    (b.percent != null && b.status !== "completed" ? "<div class='bar' title='" + esc(Math.round(b.percent)) + "%'><i style='width:" + esc(Math.round(b.percent)) + "%'></i></div>" : "") + "</td><td>" + esc(b.timestamp) + "</td><td>" + esc(mb(b.size_bytes)) + "</td></tr>").join("") || "<tr><td colspan=6 class=mute>no backups</td></tr>";
}

function bars(values, fmt) {
  if (!values.length) return "<p class=mute>no data yet</p>";
  const w = 100 / values.length;
  return "<svg viewBox='0 0 100 40' preserveAspectRatio='none' role='img'>" + values.map((v, i) => "<rect x='" + (i * w + w * 0.1) + "' y='" + (40 - v.value * 38) + "' width='" + (w * 0.8) + "' height='" + (v.value * 38) + "' fill='" + (v.value >= 1 ? "#12813b" : v.value >= 0.9 ? "#b26b00" : "#b42318") + "'><title>" + esc(v.label) + ": " + esc(fmt(v.value)) + "</title></rect>").join("") + "</svg>";
}
function line(points) {
  if (points.length < 2) return "<p class=mute>" + (points.length ? mb(points[0].bytes) + " at " + esc(points[0].at) : "no samples yet") + "</p>";
  const max = Math.max(...points.map((p) => p.bytes)) || 1;
  const d = points.map((p, i) => (i ? "L" : "M") + (i / (points.length - 1) * 100).toFixed(2) + "," + (38 - p.bytes / max * 36).toFixed(2)).join(" ");
  return "<svg viewBox='0 0 100 40' preserveAspectRatio='none' role='img'><path d='" + d + "' fill='none' stroke='#2f5bea' stroke-width='0.8'/></svg><p class=mute>now " + mb(points.at(-1).bytes) + "</p>";
}

async function loadHealth() {
  const h = await api("GET", "/admin/backup/health");
  $("#health").innerHTML = "<p class='" + (h.status === "healthy" ? "ok" : h.status === "degraded" ? "warn" : "bad") + "'><b>" + esc(h.status) + "</b></p>" +
    (h.findings.length ? "<ul>" + h.findings.slice(0, 8).map((f) => "<li class='" + (f.level === "critical" ? "bad" : "warn") + "'>" + esc(f.message) + "<br><span class=mute>" + esc(f.recommendation) + "</span></li>").join("") + "</ul>" : "<p class=mute>nothing to do</p>");
  $("#rpo").innerHTML = "<table>" + Object.entries(h.rpo).map(([c, r]) => "<tr><td>" + esc(c) + "</td><td class='" + (r.met ? "ok" : "bad") + "'>" + (r.seconds == null ? "none yet" : esc(r.seconds) + " s") + "</td><td class=mute>target " + esc(r.target_seconds) + " s</td></tr>").join("") + "</table>";
  const waiting = h.workflows.awaiting_approval;
  $("#approvals").innerHTML = waiting.length ? waiting.map((w) => "<div class='row approval' data-id='" + esc(w.id) + "'><b>" + esc(w.id) + "</b><span class=mute>asked by " + esc(w.requested_by ?? "") + ", expires " + esc(w.approval_expires_at ?? "") + "</span><ul class='selection' aria-label='what approving overwrites'>" + (w.selection ?? []).map((s) => "<li>" + esc(s.component) + ": " + esc(s.scope) + " from " + esc(s.backup_id) + (s.target_timestamp ? " at " + esc(s.target_timestamp) : "") + "</li>").join("") + "</ul><input class='comment' placeholder='why (required)' aria-label='comment for " + esc(w.id) + "'><button class='approve' type='button'>Approve</button><button class='reject secondary' type='button'>Reject</button><span class='result'></span></div>").join("") : "<p class=mute>none</p>";
  for (const el of document.querySelectorAll(".approval")) {
    for (const decision of ["approve", "reject"]) el.querySelector("." + decision).addEventListener("click", async () => {
      try { const r = await api("POST", "/admin/restore/" + el.dataset.id + "/" + decision, { comment: el.querySelector(".comment").value }); el.querySelector(".result").textContent = r.decision + "d by " + r.decided_by; el.querySelector(".result").className = "result ok"; }
      catch (e) { el.querySelector(".result").textContent = e.message; el.querySelector(".result").className = "result bad"; }
    });
  }
}

async function loadCharts() {
  const m = await api("GET", "/admin/metrics?days=14");
  const days = {};
  for (const b of m.backups) { const d = (days[b.day] ??= { ok: 0, all: 0 }); d.ok += b.completed; d.all += b.completed + b.failed; }
  $("#chart-success").innerHTML = bars(Object.entries(days).map(([day, d]) => ({ label: day, value: d.all ? d.ok / d.all : 0 })), (v) => Math.round(v * 100) + "%");
  const s = await api("GET", "/admin/backup/storage");
  $("#chart-storage").innerHTML = line(s.history);
}

async function loadTimeline() {
  try {
    const p = await api("GET", "/admin/backup/restore-points");
    const ranges = p.ranges ?? [];
    if (!ranges.length) { $("#timeline").innerHTML = "<p class=mute>no restore points yet</p>"; return; }
    const from = Date.parse(ranges[0].from), to = Date.parse(ranges.at(-1).to) || Date.now();
    const span = Math.max(1, to - from);
    $("#timeline").innerHTML = "<svg viewBox='0 0 100 10' preserveAspectRatio='none' role='img'>" + ranges.map((r) => "<rect x='" + ((Date.parse(r.from) - from) / span * 100) + "' y='2' width='" + Math.max(0.5, (Date.parse(r.to) - Date.parse(r.from)) / span * 100) + "' height='6' fill='#2f5bea'><title>" + esc(r.from) + " to " + esc(r.to) + "</title></rect>").join("") + "</svg><p class=mute>" + esc(ranges[0].from) + " to " + esc(ranges.at(-1).to) + "</p>";
  } catch (e) { $("#timeline").innerHTML = "<p class=mute>" + esc(e.message) + "</p>"; }
}

async function loadDrills() {
  const t = await api("GET", "/admin/test-restores?limit=10");
  $("#drills").innerHTML = t.test_restores.length ? "<table><tr><th>Test restore</th><th>Backup</th><th>Status</th><th>RTO</th></tr>" + t.test_restores.map((d) => "<tr><td>" + esc(d.test_id ?? d.id) + "</td><td>" + esc(d.backup_id) + "</td><td class='status-" + esc(d.status === "passed" ? "completed" : d.status) + "'>" + esc(d.status) + "</td><td>" + esc(d.rto_seconds != null ? d.rto_seconds.toFixed(1) + " s" : "") + "</td></tr>").join("") + "</table>" : "<p class=mute>none yet</p>";
}

async function loadAudit() {
  try {
    const a = await api("GET", "/admin/audit?limit=20");
    $("#audit").innerHTML = "<table><tr><th>When</th><th>Who</th><th>What</th><th>Target</th><th>Outcome</th></tr>" + a.entries.map((e) => "<tr><td>" + esc(e.at) + "</td><td>" + esc(e.actor) + "</td><td>" + esc(e.action) + "</td><td>" + esc(e.target) + "</td><td>" + esc(e.outcome) + "</td></tr>").join("") + "</table>";
  } catch (e) { if (e.status === 403) $("#audit-section").classList.add("hidden"); else $("#audit").textContent = e.message; }
}

async function refresh() {
  if (!token()) return;
  await Promise.allSettled([loadHealth(), loadBackups(), loadCharts(), loadTimeline(), loadDrills(), loadAudit()]);
}
setInterval(() => { if (token()) Promise.allSettled([loadBackups(), loadHealth()]); }, 2000);
if (token()) signIn(token()); else show(false);
`;
