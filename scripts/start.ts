// npm start: the whole product locally, with demo data.
// .dev.vars from the example when absent -> D1 migrations -> demo data when OIDC_DB is empty -> wrangler dev on PORT
// -> a ticker that fires the cron triggers every minute (wrangler dev does not), so scheduled backups happen.
import { cronMatches } from "./lib/cron.ts";
import { startDev } from "./lib/dev-server.ts";
import { applyLocalMigrations, ensureDevVars } from "./lib/local-setup.ts";
import { readWranglerConfig } from "./lib/wrangler-config.ts";
import { seed } from "./seed.ts";

const port = Number(process.env.PORT ?? 8787);
const devVars = ensureDevVars();
if (devVars) console.log(devVars);
console.log("Applying D1 migrations (OIDC_DB, CATALOG_DB)...");
applyLocalMigrations();
const seeded = await seed({ users: Number(process.env.SEED_USERS ?? 1000), reset: false, quiet: true });
if (seeded) console.log(`Seeded demo data: ${seeded.rows} rows in ${seeded.seconds.toFixed(1)} s (npm run seed -- --users 100000 --reset for more).`);

console.log(`Starting wrangler dev on port ${port}...`);
const dev = await startDev({ port, inherit: true });

// Durable Objects are reachable only through the Worker: seed demo sessions there when none exist yet.
const admin = { authorization: "Bearer vl-demo-admin", "content-type": "application/json" };
const sessions: any = await (await fetch(`${dev.url}/admin/demo/sessions`, { headers: admin })).json().catch(() => null);
if (sessions?.objects === 0) {
  const body = JSON.stringify({ sessions: Number(process.env.SEED_SESSIONS ?? 5000), objects: Number(process.env.SEED_SESSION_OBJECTS ?? 300) });
  const seeded: any = await (await fetch(`${dev.url}/admin/demo/seed-sessions`, { method: "POST", headers: admin, body })).json();
  console.log(`Seeded demo sessions: ${seeded.sessions} sessions across ${seeded.objects_after} Durable Objects in ${(seeded.ms / 1000).toFixed(1)} s.`);
}

// Change capture (point-in-time restore): idempotent, so every start installs or upgrades it.
const capture: any = await (await fetch(`${dev.url}/admin/capture/install`, { method: "POST", headers: admin })).json().catch(() => null);
if (capture?.tables) console.log(`Change capture: ${capture.tables.length} tables captured; shipping ${capture.shipping}.`);

const crons = readWranglerConfig().triggers?.crons ?? [];
console.log(`
Vaultline is running.
  API:        ${dev.url}  (health: ${dev.url}/healthz)
  Auth:       Authorization: Bearer vl-demo-admin   (API tokens for automation: also vl-demo-operator, vl-demo-viewer)
  People:     Authorization: Bearer $(npm run -s token -- admin)   (JWTs from the demo issuer, with a second factor:
              admin, approver, requester, auditor). Production restores are asked for and approved this way only.
  Try:        curl -s -X POST -H 'Authorization: Bearer vl-demo-admin' -d '{"type":"full_database"}' ${dev.url}/admin/backup/create
              curl -s -H 'Authorization: Bearer vl-demo-admin' ${dev.url}/admin/backup/list
              curl -s -H 'Authorization: Bearer vl-demo-admin' ${dev.url}/admin/backup/restore-points
              curl -s -H "Authorization: Bearer $(npm run -s token -- auditor)" ${dev.url}/admin/audit/verify
              npm run capture -- status
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
setTimeout(() => {
  void tick();
  setInterval(() => void tick(), 60_000);
}, 60_000 - (Date.now() % 60_000) + 500);

const shutdown = async () => {
  await dev.stop();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
dev.child.on("exit", (code) => process.exit(code ?? 1));
