// npm start: the whole product locally, with demo data: Vaultline and the demo provider (examples/demo-provider) as two
// Workers in one `wrangler dev` session.
// .dev.vars from the example when absent -> D1 migrations (the provider's own, and Vaultline's catalog) -> demo data
// when the provider's database is empty -> wrangler dev on PORT -> setup calls (the provider profile checked, demo
// sessions, change capture) with a credential of this run's own -> a ticker that fires the cron triggers every
// minute (wrangler dev does not), so scheduled backups happen. A setup call that fails stops npm start, with the reason.
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { cronMatches } from "./lib/cron.ts";
import { startDev } from "./lib/dev-server.ts";
import { applyLocalMigrations, ensureDevVars } from "./lib/local-setup.ts";
import { readWranglerConfig } from "./lib/wrangler-config.ts";
import { seed } from "./seed.ts";

const port = Number(process.env.PORT ?? 8787);
const devVars = ensureDevVars();
if (devVars) console.log(devVars);
console.log("Applying D1 migrations (the demo provider's OIDC_DB, Vaultline's CATALOG_DB)...");
applyLocalMigrations();
const seeded = await seed({ users: Number(process.env.SEED_USERS ?? 1000), reset: false, quiet: true });
if (seeded)
  console.log(`Seeded demo data: ${seeded.rows} rows in ${seeded.seconds.toFixed(1)} s (npm run seed -- --users 100000 --reset for more).`);

// This run's own credential for the setup calls below: whatever API_TOKENS .dev.vars holds (an operator's own, or
// the demo's), setup never borrows them. The Worker learns only its hash.
const setupToken = randomBytes(32).toString("base64url");
const setupHash = createHash("sha256").update(setupToken).digest("hex");

console.log(`Starting wrangler dev on port ${port}...`);
const dev = await startDev({ port, inherit: true, vars: { LOCAL_SETUP_TOKEN_SHA256: setupHash } });

/** One setup call; a failure stops npm start with the reason (the Worker's error message, or why it was unreachable). */
async function setup<T>(what: string, method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${dev.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${setupToken}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    return stop(`${what}: the Worker could not be reached (${(e as Error).message})`);
  }
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON: reported below */
  }
  if (!res.ok) return stop(`${what}: ${method} ${path} answered ${res.status}: ${json?.error?.message ?? text.slice(0, 500)}`);
  return json as T;
}

async function stop(reason: string): Promise<never> {
  console.error(`\nnpm start stopped: ${reason}`);
  await dev.stop();
  process.exit(1);
}

// The provider profile (PROVIDER_PROFILE) against the provider's database: every table and column it names.
const provider = await setup<{
  check: { provider: string; ok: boolean; problems: { field: string; message: string }[]; tables: string[] };
}>("provider profile", "GET", "/admin/provider");
if (!provider.check.ok)
  await stop(
    `the provider profile does not match the database: ${provider.check.problems.map((p) => `${p.field}: ${p.message}`).join("; ")}`,
  );
console.log(`Provider: ${provider.check.provider}; ${provider.check.tables.length} tables backed up.`);

// Durable Objects are reachable only through a Worker: the demo provider seeds its sessions when none exist yet.
const sessions = await setup<{ objects: number }>("demo sessions", "GET", "/admin/demo/sessions");
if (sessions.objects === 0) {
  const body = { sessions: Number(process.env.SEED_SESSIONS ?? 5000), objects: Number(process.env.SEED_SESSION_OBJECTS ?? 300) };
  const s = await setup<{ sessions: number; objects_after: number; ms: number }>(
    "demo sessions",
    "POST",
    "/admin/demo/seed-sessions",
    body,
  );
  console.log(`Seeded demo sessions: ${s.sessions} sessions across ${s.objects_after} Durable Objects in ${(s.ms / 1000).toFixed(1)} s.`);
}

// Change capture (point-in-time restore): idempotent, so every start installs or upgrades it.
const capture = await setup<{ tables: unknown[]; shipping: string }>("change capture", "POST", "/admin/capture/install");
console.log(`Change capture installed: ${capture.tables.length} tables captured; shipping ${capture.shipping}.`);

const crons = readWranglerConfig().triggers?.crons ?? [];
const demoTokens =
  /^API_TOKENS=.*$/m.exec(readFileSync(".dev.vars.example", "utf8"))?.[0] ===
  /^API_TOKENS=.*$/m.exec(readFileSync(".dev.vars", "utf8"))?.[0];
console.log(`
Vaultline is running.
  API:        ${dev.url}  (health: ${dev.url}/healthz)
  Auth:       ${demoTokens ? "Authorization: Bearer vl-demo-admin   (API tokens for automation: also vl-demo-operator, vl-demo-viewer)" : "your own API_TOKENS from .dev.vars"}
  People:     Authorization: Bearer $(npm run -s token -- admin)   (JWTs from the demo issuer, with a second factor:
              admin, approver, requester, auditor). Production restores are asked for and approved this way only.
  Try:        curl -s -X POST -H 'Authorization: Bearer vl-demo-admin' -d '{"type":"full_database"}' ${dev.url}/admin/backup/create
              curl -s -H 'Authorization: Bearer vl-demo-admin' ${dev.url}/admin/backup/list
              curl -s -H 'Authorization: Bearer vl-demo-admin' ${dev.url}/admin/backup/restore-points
              curl -s -H "Authorization: Bearer $(npm run -s token -- auditor)" ${dev.url}/admin/audit/verify
              VAULTLINE_URL=${dev.url} VAULTLINE_TOKEN=vl-demo-admin npx vaultline capture status
  Schedules:  ${crons.join(", ")} (fired locally by this process every minute, UTC)
`);

async function tick() {
  const now = new Date();
  for (const cron of crons) {
    if (!cronMatches(cron, now)) continue;
    try {
      const r = await fetch(`${dev.url}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent(cron)}`);
      // The every-minute cron only re-arms the change shipper: say so when it fails, not every minute.
      if (cron === "* * * * *" && r.ok) continue;
      console.log(`[schedule] ${now.toISOString().slice(0, 16)}Z fired "${cron}" -> ${r.status}`);
    } catch (e) {
      console.error(`[schedule] could not fire "${cron}": ${(e as Error).message}`);
    }
  }
}
// Align to the start of each minute, as cron does.
setTimeout(
  () => {
    void tick();
    setInterval(() => void tick(), 60_000);
  },
  60_000 - (Date.now() % 60_000) + 500,
);

const shutdown = async () => {
  await dev.stop();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
dev.child.on("exit", (code) => process.exit(code ?? 1));
