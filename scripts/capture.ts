// npm run capture -- install|status|ship|remove [--url URL] [--token TOKEN]
// Change capture in OIDC_DB (docs/CAPTURE.md), through the running Worker's API: the same command locally
// (npm start, default URL) and in production (--url https://<your worker>, an admin token).
//   install  installs or upgrades the change log and the triggers on every table; idempotent, safe to re-run
//            after a migration (new tables are picked up; the shipper also does this on every run)
//   status   what is captured, what is waiting to ship, the current RPO, breaks in the chain
//   ship     ships the log now
//   remove   asks to remove capture (answers a change_id); once a second person approves it, it ships what is left and drops the triggers and the log
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { url: { type: "string" }, token: { type: "string" } },
});
const command = positionals[0];
const routes: Record<string, [string, string]> = {
  install: ["POST", "/admin/capture/install"],
  status: ["GET", "/admin/capture/status"],
  ship: ["POST", "/admin/capture/ship"],
  remove: ["POST", "/admin/capture/remove"],
};
if (!command || !routes[command]) {
  console.error("usage: npm run capture -- install|status|ship|remove [--url URL] [--token TOKEN]");
  process.exit(2);
}
const url = values.url ?? process.env.VAULTLINE_URL ?? `http://127.0.0.1:${process.env.PORT ?? 8787}`;
const token = values.token ?? process.env.VAULTLINE_TOKEN ?? "vl-demo-admin";
const [method, path] = routes[command]!;
const res = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${token}` } }).catch((e: Error) => {
  console.error(`Could not reach Vaultline at ${url} (${e.message}): start it with npm start, or pass --url.`);
  process.exit(1);
});
console.log(JSON.stringify(await res.json(), null, 2));
process.exit(res.ok ? 0 : 1);
