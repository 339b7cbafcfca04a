// @ts-check
// The dashboard's script (docs/DASHBOARD.md), served as /dashboard.js. Plain JavaScript the browser runs as is,
// typechecked with the DOM's types (src/dashboard/tsconfig.json, part of `npm run typecheck`). It holds no data:
// everything comes through the admin API with the signed-in person's token, kept in this tab's sessionStorage.
// Sign-in: through the provider (authorization code with PKCE) when DASHBOARD_OIDC_* is configured, else an access
// token pasted in. Read-only refreshes are marked as polls (X-Vaultline-Poll: 1): counted, not chained one by one.

/** @param {string} s @returns {HTMLElement} */
const $ = (s) => /** @type {HTMLElement} */ (document.querySelector(s));
/** @param {unknown} v */
const esc = (v) => String(v ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const TOKEN = "vaultline-token";
const token = () => sessionStorage.getItem(TOKEN);
const REFRESH_MS = 5000;
/** Behind Cloudflare Access the page is signed in without a token of its own. */
let signedInByAccess = false;
const signedIn = () => signedInByAccess || token() !== null;

/**
 * @param {string} method @param {string} path @param {unknown} [body] @param {{ poll?: boolean }} [o]
 * @returns {Promise<any>}
 */
async function api(method, path, body, o = {}) {
  /** @type {Record<string, string>} */
  const headers = { "content-type": "application/json" };
  // Behind Cloudflare Access there is no token: the browser carries Access's cookie and Access adds its assertion.
  const t = token();
  if (t) headers.authorization = `Bearer ${t}`;
  if (o.poll) headers["x-vaultline-poll"] = "1";
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const j = await r.json().catch(() => null);
  if (!r.ok) throw Object.assign(new Error(j?.error?.message ?? String(r.status)), { status: r.status, code: j?.error?.code });
  return j;
}
/** @param {string} path */
const read = (path) => api("GET", path, undefined, { poll: true });

/** @param {number | null | undefined} n */
function bytes(n) {
  if (n == null) return "";
  const units = ["B", "kB", "MB", "GB", "TB"];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(v < 10 && i ? 1 : 0)} ${units[i]}`;
}
/** @param {number | null | undefined} s */
function duration(s) {
  if (s == null) return "";
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} days`;
}

// ---- sign-in ----

/** @param {boolean} signedIn */
function show(signedIn) {
  $("#signin").classList.toggle("hidden", signedIn);
  $("#app").classList.toggle("hidden", !signedIn);
}

/** @param {Uint8Array} b */
const b64url = (b) =>
  btoa(String.fromCharCode(...b))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
const randomString = () => b64url(crypto.getRandomValues(new Uint8Array(32)));

/** @typedef {{ mode: "token" } | { mode: "access" } | { mode: "oidc", provider: string, authorization_endpoint: string, token_endpoint: string, client_id: string, scope: string }} SignInConfig */

/** Sends the browser to the provider: authorization code with PKCE (S256), a state bound to this tab. @param {SignInConfig & { mode: "oidc" }} cfg */
async function startProviderSignIn(cfg) {
  const verifier = randomString();
  const state = randomString();
  sessionStorage.setItem("vaultline-pkce", JSON.stringify({ verifier, state }));
  const challenge = b64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
  const url = new URL(cfg.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: cfg.client_id,
    redirect_uri: `${location.origin}/`,
    scope: cfg.scope,
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
  }).toString();
  location.assign(url.toString());
}

/** Back from the provider with ?code&state: checks the state, swaps the code (with the verifier) for a token. @param {SignInConfig & { mode: "oidc" }} cfg */
async function finishProviderSignIn(cfg) {
  const q = new URLSearchParams(location.search);
  const code = q.get("code");
  const saved = JSON.parse(sessionStorage.getItem("vaultline-pkce") ?? "null");
  sessionStorage.removeItem("vaultline-pkce");
  history.replaceState(null, "", "/");
  if (q.get("error")) throw new Error(`the provider refused the sign-in: ${q.get("error_description") ?? q.get("error")}`);
  if (!code || !saved || q.get("state") !== saved.state) throw new Error("the sign-in answer does not belong to this tab: sign in again");
  const r = await fetch(cfg.token_endpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code,
      redirect_uri: `${location.origin}/`,
      client_id: cfg.client_id,
      code_verifier: saved.verifier,
    }),
  });
  const j = await r.json().catch(() => null);
  if (!r.ok || !j?.access_token) throw new Error(`the provider did not issue a token: ${j?.error_description ?? j?.error ?? r.status}`);
  return /** @type {string} */ (j.access_token);
}

/** @param {string | null} t a token, or null behind Cloudflare Access */
async function signIn(t) {
  if (t) sessionStorage.setItem(TOKEN, t);
  try {
    const me = await api("GET", "/admin/whoami");
    $("#who").textContent = `${me.subject} (${me.roles.join(", ")}${me.second_factor ? ", second factor" : ""})`;
    show(true);
    await refresh();
  } catch (e) {
    sessionStorage.removeItem(TOKEN);
    $("#signin-error").textContent = e instanceof Error ? e.message : String(e);
    show(false);
  }
}

async function start() {
  /** @type {SignInConfig} */
  const cfg = await (await fetch("/dashboard/config")).json();
  if (cfg.mode === "access") {
    signedInByAccess = true;
    $("#signout").classList.add("hidden"); // Access's own sign-out: /cdn-cgi/access/logout
    return signIn(null);
  }
  if (cfg.mode === "oidc") {
    $("#provider-signin").classList.remove("hidden");
    $("#provider-name").textContent = cfg.provider;
    $("#provider-signin").addEventListener("click", () => startProviderSignIn(cfg));
    $("#token-signin").removeAttribute("open");
    if (new URLSearchParams(location.search).has("state")) {
      try {
        return await signIn(await finishProviderSignIn(cfg));
      } catch (e) {
        $("#signin-error").textContent = e instanceof Error ? e.message : String(e);
        return show(false);
      }
    }
  }
  const t = token();
  if (t) await signIn(t);
  else show(false);
}

$("#signin").addEventListener("submit", (ev) => {
  ev.preventDefault();
  signIn(/** @type {HTMLInputElement} */ ($("#token")).value.trim());
});
$("#signout").addEventListener("click", () => {
  sessionStorage.removeItem(TOKEN);
  location.reload();
});

// ---- backups, drills and restores ----

/** @param {string} text @param {boolean} [bad] */
function flash(text, bad) {
  const p = $("#flash");
  p.className = bad ? "bad" : "ok";
  p.textContent = text;
}

$("#start-backup").addEventListener("click", async () => {
  try {
    const b = await api("POST", "/admin/backup/create", { type: /** @type {HTMLSelectElement} */ ($("#new-type")).value });
    flash(`started ${b.backup_id}`);
    await loadBackups();
  } catch (e) {
    flash(e instanceof Error ? e.message : String(e), true);
  }
});
$("#filter-type").addEventListener("change", () => loadBackups());
$("#filter-status").addEventListener("change", () => loadBackups());

/** @param {any} b */
function progressCell(b) {
  if (b.percent == null || b.status === "completed") return "";
  const pct = Math.round(b.percent);
  return `<progress max="100" value="${esc(pct)}" aria-label="${esc(b.backup_id)}: ${esc(pct)} percent"></progress>`;
}

async function loadBackups() {
  const q = new URLSearchParams({ limit: "25" });
  const type = /** @type {HTMLSelectElement} */ ($("#filter-type")).value;
  const status = /** @type {HTMLSelectElement} */ ($("#filter-status")).value;
  if (type) q.set("type", type);
  if (status) q.set("status", status);
  const list = await read(`/admin/backup/list?${q}`);
  /** @type {any[]} */
  const rows = await Promise.all(
    list.backups.map(async (/** @type {any} */ b) =>
      b.status === "running" || b.status === "initiated" ? { ...b, ...(await read(`/admin/backup/${b.backup_id}`)) } : b,
    ),
  );
  $("#backups tbody").innerHTML =
    rows
      .map(
        (b) =>
          `<tr data-id="${esc(b.backup_id)}"><th scope="row">${esc(b.backup_id)}</th><td>${esc(b.type)}</td><td class="status status-${esc(b.status)}">${esc(b.status)}</td><td>${progressCell(b)}</td><td>${esc(b.timestamp)}</td><td>${esc(b.size)}</td><td>${
            b.status === "completed"
              ? `<button class="drill secondary" type="button" aria-label="Drill ${esc(b.backup_id)}" title="a test restore into the sandbox">Drill</button> <button class="restore secondary" type="button" aria-label="Restore ${esc(b.backup_id)}">Restore</button>`
              : ""
          }</td></tr>`,
      )
      .join("") || `<tr><td colspan="7" class="mute">no backups</td></tr>`;
  for (const tr of document.querySelectorAll("#backups tbody tr[data-id]")) {
    const id = /** @type {HTMLElement} */ (tr).dataset.id ?? "";
    const b = rows.find((x) => x.backup_id === id);
    tr.querySelector(".drill")?.addEventListener("click", () => startDrill(id));
    tr.querySelector(".restore")?.addEventListener("click", () => openRestore(id, b?.components ?? []));
  }
}

/** @param {string} id */
async function startDrill(id) {
  try {
    const t = await api("POST", `/admin/backup/${id}/test-restore`);
    flash(`test restore ${t.test_id} of ${id} started`);
    await loadDrills();
  } catch (e) {
    flash(e instanceof Error ? e.message : String(e), true);
  }
}

/** The restore form: target, components, and for production the sentence the API asks for. @param {string} id @param {string[]} components */
function openRestore(id, components) {
  const dialog = /** @type {HTMLDialogElement} */ ($("#restore-dialog"));
  $("#restore-backup").textContent = id;
  $("#restore-components").innerHTML = components
    .map((c) => `<label><input type="checkbox" name="component" value="${esc(c)}" checked> ${esc(c)}</label>`)
    .join(" ");
  /** @type {HTMLSelectElement} */ ($("#restore-target")).value = "test";
  /** @type {HTMLInputElement} */ ($("#restore-confirm")).value = "";
  $("#restore-result").textContent = "";
  $("#restore-confirm-row").classList.add("hidden");
  dialog.dataset.id = id;
  dialog.showModal();
}
$("#restore-target").addEventListener("change", () =>
  $("#restore-confirm-row").classList.toggle("hidden", /** @type {HTMLSelectElement} */ ($("#restore-target")).value !== "production"),
);
$("#restore-cancel").addEventListener("click", () => /** @type {HTMLDialogElement} */ ($("#restore-dialog")).close());
$("#restore-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const dialog = /** @type {HTMLDialogElement} */ ($("#restore-dialog"));
  const target = /** @type {HTMLSelectElement} */ ($("#restore-target")).value;
  const components = [...document.querySelectorAll("#restore-components input:checked")].map(
    (i) => /** @type {HTMLInputElement} */ (i).value,
  );
  const body = {
    backup_id: dialog.dataset.id,
    target_environment: target,
    components,
    ...(target === "production" ? { confirmation: /** @type {HTMLInputElement} */ ($("#restore-confirm")).value } : {}),
  };
  try {
    const r = await api("POST", "/admin/backup/restore", body);
    $("#restore-result").className = "ok";
    $("#restore-result").textContent =
      target === "production"
        ? `${r.restore_id} asked for: a second person approves it under "Pending approvals"`
        : `${r.restore_id} started`;
    await loadHealth();
  } catch (e) {
    $("#restore-result").className = "bad";
    $("#restore-result").textContent = e instanceof Error ? e.message : String(e);
  }
});

// ---- charts: SVG with axes, labels and an accessible name ----

/** @param {{ label: string, value: number }[]} values */
function successChart(values) {
  if (!values.length) return `<p class="mute">no backups in these 14 days yet</p>`;
  const w = 88 / values.length;
  const bars = values
    .map((v, i) => {
      const h = v.value * 40;
      const fill = v.value >= 1 ? "var(--ok)" : v.value >= 0.9 ? "var(--warn)" : "var(--bad)";
      return `<rect x="${(10 + i * w + w * 0.1).toFixed(2)}" y="${(45 - h).toFixed(2)}" width="${(w * 0.8).toFixed(2)}" height="${h.toFixed(2)}" fill="${fill}"><title>${esc(v.label)}: ${Math.round(v.value * 100)}%</title></rect>`;
    })
    .join("");
  const summary = values.map((v) => `${v.label} ${Math.round(v.value * 100)}%`).join(", ");
  return `<svg viewBox="0 0 100 56" role="img" aria-label="Backup success rate per day: ${esc(summary)}">
<line x1="10" y1="45" x2="98" y2="45" class="axis"/><line x1="10" y1="5" x2="10" y2="45" class="axis"/>
<text x="8" y="7" class="tick" text-anchor="end">100%</text><text x="8" y="27" class="tick" text-anchor="end">50%</text><text x="8" y="46" class="tick" text-anchor="end">0%</text>
${bars}
<text x="10" y="53" class="tick">${esc(values[0]?.label)}</text>${values.length > 1 ? `<text x="98" y="53" class="tick" text-anchor="end">${esc(values.at(-1)?.label)}</text>` : ""}
</svg>`;
}

/** @param {{ at: string, bytes: number }[]} points */
function storageChart(points) {
  if (points.length < 2)
    return `<p class="mute">${points.length ? `${bytes(points[0]?.bytes)} on ${esc(points[0]?.at.slice(0, 10))}; a chart once there are two samples` : "no samples yet"}</p>`;
  const max = Math.max(...points.map((p) => p.bytes)) || 1;
  const d = points
    .map((p, i) => `${i ? "L" : "M"}${(12 + (i / (points.length - 1)) * 86).toFixed(2)},${(45 - (p.bytes / max) * 40).toFixed(2)}`)
    .join(" ");
  const first = points[0]?.at.slice(0, 10) ?? "";
  const last = points.at(-1)?.at.slice(0, 10) ?? "";
  return `<svg viewBox="0 0 100 56" role="img" aria-label="Repository size from ${esc(first)} to ${esc(last)}: now ${esc(bytes(points.at(-1)?.bytes))}, at most ${esc(bytes(max))}">
<line x1="12" y1="45" x2="98" y2="45" class="axis"/><line x1="12" y1="5" x2="12" y2="45" class="axis"/>
<text x="10" y="7" class="tick" text-anchor="end">${esc(bytes(max))}</text><text x="10" y="46" class="tick" text-anchor="end">0</text>
<path d="${d}" fill="none" stroke="var(--acc)" stroke-width="0.8"/>
<text x="12" y="53" class="tick">${esc(first)}</text><text x="98" y="53" class="tick" text-anchor="end">${esc(last)}</text>
</svg>`;
}

// ---- panels ----

async function loadHealth() {
  const h = await read("/admin/backup/health");
  /** @type {[string, any][]} */
  const schedules = Object.entries(h.last_success ?? {});
  const waiting = schedules.filter(([, s]) => s.waiting_for_first_run).map(([t]) => t);
  const word = h.status === "healthy" ? "ok" : h.status === "degraded" ? "warn" : "bad";
  $("#health").innerHTML =
    `<p class="${word}"><b>${esc(h.status)}</b>${waiting.length === schedules.length && schedules.length ? " · waiting for the first scheduled run" : ""}</p>` +
    (waiting.length ? `<p class="mute">waiting for the first scheduled run: ${waiting.map(esc).join(", ")}</p>` : "") +
    (h.findings.length
      ? `<ul>${h.findings
          .slice(0, 8)
          .map(
            (/** @type {any} */ f) =>
              `<li class="${f.level === "critical" ? "bad" : "warn"}">${esc(f.message)}<br><span class="mute">${esc(f.recommendation)}</span></li>`,
          )
          .join("")}</ul>`
      : `<p class="mute">nothing to do</p>`);
  $("#rpo").innerHTML =
    `<table><thead><tr><th scope="col">Component</th><th scope="col">RPO now</th><th scope="col">Target</th></tr></thead><tbody>${Object.entries(
      h.rpo,
    )
      .map(
        ([c, /** @type {any} */ r]) =>
          `<tr><th scope="row">${esc(c)}</th><td class="${r.waiting_for_first_backup ? "mute" : r.met ? "ok" : "bad"}">${r.waiting_for_first_backup ? "waiting for the first backup" : r.seconds == null ? "no restore point yet" : esc(duration(r.seconds))}</td><td class="mute">${esc(duration(r.target_seconds))}</td></tr>`,
      )
      .join("")}</tbody></table>`;
  const pending = h.workflows.awaiting_approval;
  // Drawn again only when what waits changes: a comment being typed is not wiped by the refresh.
  const key = pending.map((/** @type {any} */ w) => w.id).join(",");
  if ($("#approvals").dataset.ids === key) return;
  $("#approvals").dataset.ids = key;
  $("#approvals").innerHTML = pending.length
    ? pending
        .map(
          (/** @type {any} */ w) =>
            `<div class="row approval" data-id="${esc(w.id)}"><b>${esc(w.id)}</b><span class="mute">asked by ${esc(w.requested_by ?? "")}, expires ${esc(w.approval_expires_at ?? "")}</span><ul class="selection" aria-label="what approving overwrites">${(
              w.selection ?? []
            )
              .map(
                (/** @type {any} */ s) =>
                  `<li>${esc(s.component)}: ${esc(s.scope)} from ${esc(s.backup_id)}${s.target_timestamp ? ` at ${esc(s.target_timestamp)}` : ""}</li>`,
              )
              .join(
                "",
              )}</ul><input class="comment" placeholder="why (required)" aria-label="comment for ${esc(w.id)}"><button class="approve" type="button">Approve</button><button class="reject secondary" type="button">Reject</button><span class="result" role="status"></span></div>`,
        )
        .join("")
    : `<p class="mute">none</p>`;
  for (const el of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll(".approval"))) {
    for (const decision of ["approve", "reject"]) {
      el.querySelector(`.${decision}`)?.addEventListener("click", async () => {
        const result = /** @type {HTMLElement} */ (el.querySelector(".result"));
        try {
          const comment = /** @type {HTMLInputElement} */ (el.querySelector(".comment")).value;
          const r = await api("POST", `/admin/restore/${el.dataset.id}/${decision}`, { comment });
          result.textContent = `${r.decision}d by ${r.decided_by}`;
          result.className = "result ok";
        } catch (e) {
          result.textContent = e instanceof Error ? e.message : String(e);
          result.className = "result bad";
        }
      });
    }
  }
}

async function loadCharts() {
  const m = await read("/admin/metrics?days=14");
  /** @type {Record<string, { ok: number, all: number }>} */
  const days = {};
  for (const b of m.backups) {
    const d = days[b.day] ?? { ok: 0, all: 0 };
    days[b.day] = d;
    d.ok += b.completed;
    d.all += b.completed + b.failed;
  }
  $("#chart-success").innerHTML = successChart(Object.entries(days).map(([day, d]) => ({ label: day, value: d.all ? d.ok / d.all : 0 })));
  const s = await read("/admin/backup/storage");
  $("#chart-storage").innerHTML = storageChart(s.history);
}

async function loadTimeline() {
  try {
    const p = await read("/admin/backup/restore-points");
    /** @type {{ from: string, to: string }[]} */
    const ranges = p.ranges ?? [];
    const first = ranges[0];
    const last = ranges.at(-1);
    if (!first || !last) {
      $("#timeline").innerHTML =
        `<p class="mute">no point-in-time range yet: with change capture installed (npx vaultline capture install), ranges start at the next full database backup. Each completed backup above is a restore point of its own.</p>`;
      return;
    }
    const from = Date.parse(first.from);
    const to = Date.parse(last.to) || Date.now();
    const span = Math.max(1, to - from);
    $("#timeline").innerHTML =
      `<svg viewBox="0 0 100 14" role="img" aria-label="Restorable from ${esc(first.from)} to ${esc(last.to)} in ${ranges.length} range(s)">${ranges
        .map(
          (r) =>
            `<rect x="${(((Date.parse(r.from) - from) / span) * 100).toFixed(2)}" y="2" width="${Math.max(0.5, ((Date.parse(r.to) - Date.parse(r.from)) / span) * 100).toFixed(2)}" height="6" fill="var(--acc)"><title>${esc(r.from)} to ${esc(r.to)}</title></rect>`,
        )
        .join(
          "",
        )}<text x="0" y="13.5" class="tick">${esc(first.from.slice(0, 16))}</text><text x="100" y="13.5" class="tick" text-anchor="end">${esc(last.to.slice(0, 16))}</text></svg>`;
  } catch (e) {
    $("#timeline").innerHTML = `<p class="mute">${esc(e instanceof Error ? e.message : e)}</p>`;
  }
}

async function loadDrills() {
  const t = await read("/admin/test-restores?limit=10");
  $("#drills").innerHTML = t.test_restores.length
    ? `<table><thead><tr><th scope="col">Test restore</th><th scope="col">Backup</th><th scope="col">Status</th><th scope="col">RTO</th></tr></thead><tbody>${t.test_restores
        .map(
          (/** @type {any} */ d) =>
            `<tr><th scope="row">${esc(d.test_id)}</th><td>${esc(d.backup_id)}</td><td class="status-${esc(d.status === "passed" ? "completed" : d.status)}">${esc(d.status)}</td><td>${esc(duration(d.rto_seconds))}</td></tr>`,
        )
        .join("")}</tbody></table>`
    : `<p class="mute">none yet</p>`;
}

async function loadAudit() {
  try {
    const a = await read("/admin/audit?limit=20");
    $("#audit").innerHTML =
      `<table><thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Target</th><th scope="col">Outcome</th></tr></thead><tbody>${a.entries
        .map(
          (/** @type {any} */ e) =>
            `<tr><td>${esc(e.at)}</td><td>${esc(e.actor)}</td><td>${esc(e.action)}</td><td>${esc(e.target)}</td><td>${esc(e.outcome)}</td></tr>`,
        )
        .join("")}</tbody></table>`;
  } catch (e) {
    if (/** @type {{ status?: number }} */ (e).status === 403) $("#audit-section").classList.add("hidden");
    else $("#audit").textContent = e instanceof Error ? e.message : String(e);
  }
}

async function refresh() {
  if (!signedIn()) return;
  await Promise.allSettled([loadHealth(), loadBackups(), loadCharts(), loadTimeline(), loadDrills(), loadAudit()]);
}
setInterval(() => {
  if (signedIn() && document.visibilityState === "visible") Promise.allSettled([loadBackups(), loadHealth()]);
}, REFRESH_MS);
start();
