import DASHBOARD_SCRIPT from "./dashboard.browser.js";

/**
 * The operators' dashboard (docs/DASHBOARD.md): one page and one script, served by the Worker. The page holds no
 * data: a person signs in through the provider (or with a token) and it reads everything through the admin API.
 * The script is src/dashboard/dashboard.browser.js (typechecked JavaScript), bundled as text (wrangler.jsonc rules).
 */
export const DASHBOARD_JS: string = DASHBOARD_SCRIPT;

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Vaultline</title>
<style>
:root{--bg:#f6f7f9;--card:#fff;--ink:#1d2330;--mute:#5d6676;--ok:#11753a;--warn:#8a5300;--bad:#b42318;--acc:#2f5bea}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;background:var(--bg);color:var(--ink)}
header{display:flex;gap:1rem;align-items:center;justify-content:space-between;padding:.75rem 1rem;background:#111827;color:#fff;flex-wrap:wrap}
header h1{font-size:1.1rem;margin:0}header .who{color:#d0d5dd}main{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:1rem;padding:1rem}
section{background:var(--card);border-radius:10px;padding:1rem;box-shadow:0 1px 2px #0001;min-width:0}section h2{font-size:1rem;margin:0 0 .5rem}
.wide{grid-column:1/-1}table{width:100%;border-collapse:collapse;font-size:13px}th,td{text-align:left;padding:.3rem .4rem;border-bottom:1px solid #eee;white-space:nowrap}tbody th{font-weight:normal}
.scroll{overflow-x:auto}.status-completed,.ok{color:var(--ok)}.status-failed,.bad{color:var(--bad)}.status-running,.status-initiated,.warn{color:var(--warn)}
button,select,input{font:inherit;padding:.35rem .6rem;border-radius:6px;border:1px solid #8a94a6}button{background:var(--acc);color:#fff;border:0;cursor:pointer}button.secondary{background:#e4e7ec;color:var(--ink)}
:focus-visible{outline:2px solid var(--acc);outline-offset:2px}
.row{display:flex;gap:.5rem;flex-wrap:wrap;align-items:center;margin:.4rem 0}.mute{color:var(--mute)}progress{width:8rem}
#signin{max-width:28rem;margin:10vh auto;background:var(--card);padding:1.5rem;border-radius:10px}#signin input{width:100%}
svg{width:100%;height:140px}svg .axis{stroke:#5d6676;stroke-width:.3}svg .tick{font-size:3px;fill:#3b4252}.hidden{display:none}
dialog{border:0;border-radius:10px;padding:1.25rem;max-width:32rem}dialog::backdrop{background:#0006}
</style></head>
<body>
<form id="signin" class="hidden" aria-labelledby="signin-title"><h1 id="signin-title">Vaultline</h1>
<button id="provider-signin" class="hidden" type="button">Sign in with <span id="provider-name">the provider</span></button>
<details id="token-signin" open><summary>Sign in with an access token</summary>
<p class="mute">An access token from the identity provider, or an API token.</p>
<label for="token">Access token</label><input id="token" type="password" autocomplete="off">
<div class="row"><button id="signin-button" type="submit">Sign in</button></div></details>
<p id="signin-error" class="bad" role="alert"></p></form>
<div id="app" class="hidden">
<header><h1>Vaultline</h1><span id="who" class="who"></span><button id="signout" class="secondary" type="button">Sign out</button></header>
<main>
<section aria-labelledby="h-health"><h2 id="h-health">Health</h2><div id="health">…</div></section>
<section aria-labelledby="h-rpo"><h2 id="h-rpo">RPO per component</h2><div id="rpo">…</div></section>
<section aria-labelledby="h-success"><h2 id="h-success">Success rate (14 days)</h2><div id="chart-success"></div></section>
<section aria-labelledby="h-storage"><h2 id="h-storage">Storage over time</h2><div id="chart-storage"></div></section>
<section class="wide" aria-labelledby="h-backups"><h2 id="h-backups">Backups</h2>
<div class="row"><label for="new-type">New backup</label><select id="new-type"><option>full_database</option><option>incremental_database</option><option>assets</option><option>sessions</option><option>config</option><option>full_system</option></select><button id="start-backup" type="button">Start backup</button>
<label for="filter-type">Type</label><select id="filter-type"><option value="">all types</option><option>full_database</option><option>incremental_database</option><option>assets</option><option>sessions</option><option>config</option><option>full_system</option><option>monthly_archive</option></select>
<label for="filter-status">Status</label><select id="filter-status"><option value="">all statuses</option><option>completed</option><option>running</option><option>failed</option></select></div>
<p id="flash" role="status"></p>
<div class="scroll"><table id="backups"><thead><tr><th scope="col">Backup</th><th scope="col">Type</th><th scope="col">Status</th><th scope="col">Progress</th><th scope="col">Started</th><th scope="col">Size</th><th scope="col">Actions</th></tr></thead><tbody></tbody></table></div></section>
<section class="wide" aria-labelledby="h-approvals"><h2 id="h-approvals">Pending approvals</h2><div id="approvals">…</div></section>
<section class="wide" aria-labelledby="h-timeline"><h2 id="h-timeline">Restore points</h2><div id="timeline">…</div></section>
<section class="wide" aria-labelledby="h-drills"><h2 id="h-drills">Test restores</h2><div class="scroll" id="drills">…</div></section>
<section class="wide" id="audit-section" aria-labelledby="h-audit"><h2 id="h-audit">Audit trail</h2><div class="scroll" id="audit">…</div></section>
</main>
<dialog id="restore-dialog" aria-labelledby="restore-title"><form id="restore-form" method="dialog">
<h2 id="restore-title">Restore <span id="restore-backup"></span></h2>
<div class="row"><label for="restore-target">Into</label><select id="restore-target"><option value="test">the test environment</option><option value="production">production (a second person approves)</option></select></div>
<fieldset><legend>Components</legend><div id="restore-components"></div></fieldset>
<div id="restore-confirm-row" class="hidden"><label for="restore-confirm">Type: I understand this will overwrite current data</label><input id="restore-confirm" autocomplete="off"></div>
<div class="row"><button id="restore-submit" type="submit">Restore</button><button id="restore-cancel" class="secondary" type="button">Close</button></div>
<p id="restore-result" role="status"></p></form></dialog>
</div>
<script type="module" src="/dashboard.js"></script>
</body></html>`;
