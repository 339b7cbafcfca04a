// npm run bench -- [--users 100000] [--import-peer] [--reseed] [--skip-workerd] [--load-seconds 60] [--rpo-seconds 180]
//                   [--retention-days 90] [--only database|assets|sessions|capture|retention|drill|memory]
// --only runs one part and prints its figures (--retention-only is --only retention): database (backup, restores,
// the peers), assets and sessions (inside workerd), capture (write overhead, RPO, incremental, point in time),
// retention, drill (full-system backup and drill, a production restore and its rollback), memory (what each step kind
// of a database backup and restore holds, run in Node under a capped heap against the same local D1 and R2).
// Full backup and restore of the demo database through a real `wrangler dev`, against the peers measured in the
// same run on the same database: `wrangler d1 export --local` (whole, then table by table) and the native floor
// `sqlite3 .dump | zstd -3`. Before that, inside workerd: compression options, and R2 asset backup and restore
// (1,000 x 1 MB + 3 x 100 MB) against the raw bucket-to-bucket copy rate. Prints figures and ratios; nothing here
// fails on a time.
import { request as httpRequest } from "node:http";
import { execFileSync, spawnSync } from "node:child_process";
import {
  copyFileSync,
  cpSync,
  existsSync,
  renameSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { demoToken } from "./lib/demo-idp.ts";
import { peakWorkerdMemory, startDev, type DevServer } from "./lib/dev-server.ts";
import { applyLocalMigrations } from "./lib/local-setup.ts";
import { ISOLATE_MB, measureStepMemory } from "./lib/step-memory.ts";
import { seed } from "./seed.ts";

const { values } = parseArgs({
  options: {
    users: { type: "string", default: "100000" },
    "import-peer": { type: "boolean", default: false },
    reseed: { type: "boolean", default: false },
    port: { type: "string", default: "8831" },
    "skip-workerd": { type: "boolean", default: false },
    // Change capture: seconds of sign-in traffic without capture, then with it (the RPO is sampled all through).
    "load-seconds": { type: "string", default: "60" },
    "rpo-seconds": { type: "string", default: "180" },
    // Retention: daily backups with 1 % change each day, then a prune of those past the policy.
    "retention-days": { type: "string", default: "90" },
    "retention-only": { type: "boolean", default: false },
    only: { type: "string" },
  },
});
const PARTS = ["database", "assets", "sessions", "capture", "retention", "drill", "memory"] as const;
type Part = (typeof PARTS)[number];
const only = (values["retention-only"] ? "retention" : values.only) as Part | undefined;
if (only !== undefined && !PARTS.includes(only)) {
  console.error(`--only takes one of ${PARTS.join(", ")}; not ${only}`);
  process.exit(2);
}
/** Whether this run measures `part`: all of them without --only. */
const runs = (part: Part) => only === undefined || only === part;
const users = Number(values.users);
const root = resolve(".bench");
const project = join(root, "project");
const config = join(project, "wrangler.jsonc");
const state = join(project, ".wrangler", "state");
const out = join(root, "out");
const ADMIN = { authorization: "Bearer vl-demo-admin", "content-type": "application/json" };
const mb = (n: number) => (n / 1e6).toFixed(1);
const secs = (ms: number) => (ms / 1000).toFixed(1);

/** A project folder of its own, so the bench's local state (and wrangler d1 export's) never touches npm start's. */
function prepareProject(): void {
  mkdirSync(project, { recursive: true });
  mkdirSync(out, { recursive: true });
  const text = readFileSync("wrangler.jsonc", "utf8")
    .replace('"main": "src/index.ts"', '"main": "../../src/index.ts"')
    .replace('"node_modules/wrangler/config-schema.json"', '"../../node_modules/wrangler/config-schema.json"')
    .replace(/"migrations_dir": "migrations\//g, '"migrations_dir": "../../migrations/')
    // An empty database of the bench's own, for --import-peer.
    .replace(
      '"d1_databases": [',
      '"d1_databases": [\n    { "binding": "BENCH_IMPORT_DB", "database_name": "bench-import", "database_id": "00000000-0000-4000-8000-0000000000ff" },',
    );
  writeFileSync(config, text);
  copyFileSync(".dev.vars.example", join(project, ".dev.vars"));
}

/** Empties these catalog tables of the bench's local state (a clean start for the figures that follow). */
function clearCatalog(tables: string[]): void {
  const sql = tables.map((t) => `DELETE FROM ${t};`).join(" ");
  execFileSync("npx", ["wrangler", "d1", "execute", "CATALOG_DB", "--local", "-c", config, "--command", sql], {
    stdio: "ignore",
    env: { ...process.env, CI: "true" },
  });
}

function ensureTool(bin: string, pkg: string): boolean {
  if (spawnSync("which", [bin]).status === 0) return true;
  if (process.getuid?.() === 0) {
    console.log(`installing Debian's ${pkg} for the native peer...`);
    spawnSync("apt-get", ["install", "-y", "-q", pkg], { stdio: "ignore" });
    if (spawnSync("which", [bin]).status === 0) return true;
    spawnSync("apt-get", ["update", "-q"], { stdio: "ignore" });
    spawnSync("apt-get", ["install", "-y", "-q", pkg], { stdio: "ignore" });
  }
  return spawnSync("which", [bin]).status === 0;
}

function oidcSqliteFile(): string {
  const dir = join(state, "v3", "d1", "miniflare-D1DatabaseObject");
  for (const f of readdirSync(dir).filter((f) => f.endsWith(".sqlite"))) {
    const r = spawnSync("sqlite3", [join(dir, f), "SELECT count(*) FROM sqlite_master WHERE name = 'auth_events'"], { encoding: "utf8" });
    if (r.stdout.trim() === "1") return join(dir, f);
  }
  throw new Error("could not find OIDC_DB's SQLite file");
}

async function poll(dev: DevServer, path: string, done: (j: any) => boolean, timeoutMs = 30 * 60_000): Promise<any> {
  const end = Date.now() + timeoutMs;
  let j: any;
  do {
    j = await (await fetch(`${dev.url}${path}`, { headers: ADMIN })).json();
    if (done(j)) return j;
    await new Promise((r) => setTimeout(r, 200));
  } while (Date.now() < end);
  throw new Error(`gave up waiting on ${path}: ${JSON.stringify(j)}`);
}

async function post(dev: DevServer, path: string, body: unknown, bearer?: string): Promise<any> {
  const headers = bearer ? { ...ADMIN, authorization: `Bearer ${bearer}` } : ADMIN;
  const res = await fetch(`${dev.url}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
  const json: any = await res.json();
  if (res.status !== 202) throw new Error(`POST ${path} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

/** POST without fetch's five-minute header timeout (node:http has none), for a request local workerd may answer late. */
function postUntimed(dev: DevServer, path: string, body: unknown): Promise<any> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${dev.url}${path}`, { method: "POST", headers: ADMIN }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        text += d;
      });
      res.on("end", () =>
        res.statusCode === 202 ? resolve(JSON.parse(text)) : reject(new Error(`POST ${path} answered ${res.statusCode}: ${text}`)),
      );
    });
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

function timed(label: string, cmd: string, args: string[], opts: { shell?: boolean } = {}): { ms: number; ok: boolean; error?: string } {
  const t = performance.now();
  const r = spawnSync(cmd, args, {
    encoding: "utf8",
    maxBuffer: 1 << 26,
    shell: opts.shell,
    env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" },
    timeout: 20 * 60_000,
  });
  const ms = performance.now() - t;
  const ok = r.status === 0;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips the terminal colour codes (ESC [ ... m) wrangler prints
  const text = `${r.stdout}\n${r.stderr}`.replace(/\x1b\[[0-9;]*m/g, "");
  const error = ok
    ? undefined
    : (text.match(/JavaScript heap out of memory|RangeError[^\n]*|Invalid string length|\[ERROR\][^\n]*/)?.[0] ?? `exit ${r.status}`);
  console.log(`  ${label}: ${secs(ms)} s${ok ? "" : ` (failed: ${error})`}`);
  return { ms, ok, error };
}

// --- data -------------------------------------------------------------------------------------------------------
const marker = join(root, `seeded-${users}`);
if (values.reseed || !existsSync(marker)) {
  rmSync(root, { recursive: true, force: true });
  prepareProject();
  console.log(`Seeding ${users} users into ${state} ...`);
  applyLocalMigrations(state, config);
  const s = await seed({ users, reset: true, persistTo: state, quiet: true });
  console.log(`  ${s!.rows} rows in ${secs(s!.seconds * 1000)} s`);
  writeFileSync(marker, "");
} else {
  prepareProject();
  console.log(`Reusing the ${users}-user database in ${state} (--reseed to rebuild)`);
  applyLocalMigrations(state, config); // idempotent: brings a database seeded by an older version up to date
  // A clean repository and catalog each run, so stored bytes are this backup's own.
  rmSync(join(state, "v3", "r2"), { recursive: true, force: true });
  clearCatalog(["backups", "restores", "restore_log", "audit_log", "change_segments", "capture_state", "capture_breaks"]);
  execFileSync("npx", ["wrangler", "d1", "execute", "RESTORE_TARGET_DB", "--local", "-c", config, "--command", "SELECT 1"], {
    stdio: "ignore",
    env: { ...process.env, CI: "true" },
  });
}
const targetTablesBefore = Number(
  /"n":\s*(\d+)/.exec(
    execFileSync(
      "npx",
      [
        "wrangler",
        "d1",
        "execute",
        "RESTORE_TARGET_DB",
        "--local",
        "-c",
        config,
        "--json",
        "--command",
        "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'",
      ],
      {
        encoding: "utf8",
        // seed.ts quiets wrangler for this process, and at that level wrangler prints no --json output either.
        env: { ...process.env, CI: "true", WRANGLER_LOG: "log" },
      },
    ),
  )?.[1] ?? "-1",
);
// --- memory per step: the step functions in Node, heap capped, against this state (before wrangler dev holds it) -------
let stepMemory: Awaited<ReturnType<typeof measureStepMemory>> | null = null;
if (runs("memory")) {
  console.log(`\nMemory per step kind (Node, heap capped; the step functions of a backup and a restore, ${users} users):`);
  stepMemory = await measureStepMemory(config, join(state, "v3"), out);
  console.log(`  heap limit ${stepMemory.heapLimitMb} MB (the isolate's ${ISOLATE_MB} MB above the local platform proxy's own)`);
  console.log("  step kind                        over                                          held     time   D1 (stmts)   R2   result");
  for (const m of stepMemory.rows)
    console.log(
      `  ${m.kind.padEnd(32)} ${m.detail.padEnd(45)} ${m.held_mb.toFixed(1).padStart(6)} MB ${secs(m.ms).padStart(6)} s ${String(m.d1).padStart(4)} (${String(m.statements).padStart(5)}) ${String(m.r2).padStart(4)} ${(m.output_bytes / 1024).toFixed(1).padStart(6)} KiB`,
    );
  console.log(
    `  limits per step: D1 calls ${Math.max(...stepMemory.rows.map((m) => m.d1))} of 1,000 (statements ${Math.max(...stepMemory.rows.map((m) => m.statements))}); R2 operations ${Math.max(...stepMemory.rows.map((m) => m.r2))} of 1,000; result ${(Math.max(...stepMemory.rows.map((m) => m.output_bytes)) / 1024).toFixed(1)} KiB of 1,024 KiB`,
  );
  if (stepMemory.failed) console.log(`  FAILED ${stepMemory.failed} (the heap limit is ${stepMemory.heapLimitMb} MB)`);
  const worst = Math.max(...stepMemory.rows.map((m) => m.held_mb));
  console.log(`  the most any step held: ${worst.toFixed(1)} MB (target: under ${ISOLATE_MB} MB)`);
  if (only === "memory") {
    writeFileSync(join(root, "results-memory.json"), JSON.stringify({ users, ...stepMemory }, null, 2));
    process.exit(0);
  }
}
const haveNative = ensureTool("sqlite3", "sqlite3") && ensureTool("zstd", "zstd");
const sqliteFile = haveNative ? oidcSqliteFile() : null;
const dbBytes = sqliteFile ? statSync(sqliteFile).size : 0;

// --- retention: storage after daily backups with 1 % change, and a prune of a long history ------------------------
async function benchRetention(days: number) {
  // A clean repository and catalog, and a copy of the database that is put back afterwards (the changes grow it).
  rmSync(join(state, "v3", "r2"), { recursive: true, force: true });
  clearCatalog(["backups", "restores", "storage_samples", "retention_runs", "fossil_collections", "retention_policies"]);
  const d1Dir = join(state, "v3", "d1");
  const saved = join(root, "d1-before-retention");
  rmSync(saved, { recursive: true, force: true });
  cpSync(d1Dir, saved, { recursive: true });
  // A week's floor for this policy (BACKUP_RETENTION_DAYS bounds it), applied as soon as a second person approves it.
  const dev = await startDev({
    port: Number(values.port),
    configPath: config,
    persistTo: state,
    vars: { BACKUP_RETENTION_DAYS: "7", POLICY_WEAKEN_DELAY_HOURS: "0" },
  });
  try {
    await removeCapture(dev);
    const chunkBytes = async () =>
      ((await call(dev, "POST", "/admin/backup/storage/sample", {})).areas as any[])
        .filter((a) => a.area === "chunks")
        .reduce((n, a) => n + a.bytes, 0);
    let full = 0;
    let after30 = 0;
    const t = performance.now();
    for (let day = 1; day <= days; day++) {
      if (day > 1) await call(dev, "POST", "/admin/demo/change", { percent: 1 });
      const c = await post(dev, "/admin/backup/create", { type: "full_database" });
      const b = await poll(dev, `/admin/backup/${c.backup_id}`, (x) => x.status === "completed" || x.status === "failed");
      if (b.status !== "completed") throw new Error(`daily backup ${day} failed: ${JSON.stringify(b.error)}`);
      if (day === 1) full = await chunkBytes();
      if (day === 30) after30 = await chunkBytes();
      if (day % 10 === 0) console.log(`  ${day} daily backups (${secs(performance.now() - t)} s)`);
    }
    const before = await chunkBytes();
    await call(dev, "POST", "/admin/demo/age-backups", { days_apart: 1 });
    // Keep 30 daily backups; the floor is a week. Keeping less than the default is asked for and approved by two
    // people (docs/ACCESS.md, "Two people"); with no delay configured here it applies on approval.
    const put = await fetch(`${dev.url}/admin/backup/policies`, {
      method: "PUT",
      headers: { authorization: `Bearer ${await demoToken("admin")}`, "content-type": "application/json" },
      body: JSON.stringify({ min_retention_days: 7, rules: [{ match: {}, keep: { daily: 30 } }] }),
    });
    const asked = (await put.json()) as { change_id?: string };
    if (put.status === 202) await approveAsDemo(dev, asked.change_id!, "benchmark: keep 30 daily backups");
    else if (!put.ok) throw new Error(`policy refused: ${JSON.stringify(asked)}`);
    const run = async () => {
      const s = performance.now();
      const r = await post(dev, "/admin/backup/retention/run", {});
      const done = await poll(dev, `/admin/backup/retention/runs/${r.run_id}`, (x) => x.status !== "running");
      if (done.status !== "completed") throw new Error(`retention failed: ${done.error}`);
      return { ms: performance.now() - s, report: done.report };
    };
    const one = await run();
    const two = await run();
    const after = await chunkBytes();
    const tc = performance.now();
    const ck = await post(dev, "/admin/repository/check", {});
    const checked = await poll(dev, `/admin/repository/checks/${ck.check_id}`, (x) => x.status !== "running");
    const checkMs = performance.now() - tc;
    console.log(
      `  storage after 30 daily full backups (1 % change a day): ${mb(after30)} MB of chunks = ${(after30 / full).toFixed(2)} x one full backup (${mb(full)} MB)`,
    );
    console.log(
      `  prune of ${days} daily backups to 30: forget + mark + phase one ${secs(one.ms)} s (${one.report.forgotten.length} forgotten, ${one.report.phase_one?.fossilized ?? 0} chunks to fossils), phase two ${secs(two.ms)} s (${two.report.phase_two?.deleted ?? 0} deleted, ${mb(two.report.phase_two?.freed_bytes ?? 0)} MB freed)`,
    );
    console.log(
      `  chunks before ${mb(before)} MB, after ${mb(after)} MB; repository check ${checked.status} in ${secs(checkMs)} s (${checked.report.manifests} manifests, ${checked.report.refs} chunk references)`,
    );
    const incremental = await incrementalSeries(dev, 30);
    const ratio30Incremental = (full + incremental.increments) / full;
    console.log(
      `  storage after 1 full + 29 daily incremental backups (change capture, 1 % a day): ${mb(full)} MB + ${mb(incremental.increments)} MB of change log = ${ratio30Incremental.toFixed(2)} x one full backup`,
    );
    return {
      days,
      full,
      after30,
      ratio30: after30 / full,
      incremental,
      ratio30Incremental,
      before,
      after,
      forgetMs: one.ms,
      phaseTwoMs: two.ms,
      forgotten: one.report.forgotten.length,
      // Nothing past the policy (--retention-days 30 or less): no phase one or two ran.
      fossilized: one.report.phase_one?.fossilized ?? 0,
      deleted: two.report.phase_two?.deleted ?? 0,
      freed: two.report.phase_two?.freed_bytes ?? 0,
      checkMs,
      check: checked.status,
    };
  } finally {
    await dev.stop();
    rmSync(d1Dir, { recursive: true, force: true });
    renameSync(saved, d1Dir);
  }
}

/**
 * Storage of 30 days the way change capture keeps them: one full backup, then each day 1 % of rows change, the log
 * ships and an incremental backup records the day's segments. On a repository of its own (R2 emptied first).
 */
async function incrementalSeries(dev: DevServer, days: number) {
  const bytes = async () =>
    ((await call(dev, "POST", "/admin/backup/storage/sample", {})).areas as any[])
      .filter((a) => a.area === "chunks" || a.area === "change_log")
      .reduce((n, a) => n + a.bytes, 0);
  const start = await bytes();
  await call(dev, "POST", "/admin/capture/install", {});
  const c = await post(dev, "/admin/backup/create", { type: "full_database" });
  const b = await poll(dev, `/admin/backup/${c.backup_id}`, (x) => x.status === "completed" || x.status === "failed");
  if (b.status !== "completed") throw new Error(`base backup failed: ${JSON.stringify(b.error)}`);
  const afterFull = await bytes();
  for (let day = 2; day <= days; day++) {
    await call(dev, "POST", "/admin/demo/change", { percent: 1 });
    await new Promise((r) => setTimeout(r, 1100)); // past the shipper's one-second commit margin
    const inc = await post(dev, "/admin/backup/create", { type: "incremental_database" });
    const done = await poll(dev, `/admin/backup/${inc.backup_id}`, (x) => x.status === "completed" || x.status === "failed");
    if (done.status !== "completed") throw new Error(`incremental ${day} failed: ${JSON.stringify(done.error)}`);
  }
  const end = await bytes();
  await removeCapture(dev);
  // The full backup reuses chunks of the series before it, so only what the increments added is counted here.
  return { increments: end - afterFull, start };
}

if (only === "retention") {
  console.log(`\nRetention (wrangler dev, local workerd), ${values["retention-days"]} daily backups:`);
  const r = await benchRetention(Number(values["retention-days"]));
  writeFileSync(join(root, "results-retention.json"), JSON.stringify(r, null, 2));
  process.exit(0);
}

// --- inside workerd: compression options, asset backup and restore ---------------------------------------------------
if (!values["skip-workerd"] && (runs("assets") || runs("sessions"))) {
  console.log("\nInside workerd (test/bench, vitest with the Workers plugin): compression options, R2 assets, sessions...");
  // One part: its own file (test/bench/assets.test.ts, sessions.test.ts); otherwise every file.
  const files = only === "assets" || only === "sessions" ? [`test/bench/${only}.test.ts`] : [];
  const inWorkerd = spawnSync("npx", ["vitest", "run", "--config", "test/bench/vitest.config.ts", ...files], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
    env: { ...process.env, NO_COLOR: "1" },
  });
  const blocks = [...(inWorkerd.stdout + inWorkerd.stderr).matchAll(/^== (.*)\n([\s\S]*?)^== end/gm)];
  for (const [, title, body] of blocks) console.log(`\n${title}\n${body!.replace(/^/gm, "  ").trimEnd()}`);
  if (inWorkerd.status !== 0 || blocks.length < (files.length ? 1 : 2))
    console.log(`  (the workerd benchmarks failed: ${(inWorkerd.stdout + inWorkerd.stderr).slice(-1500)})`);
}
if (only === "assets" || only === "sessions") process.exit(0);

// --- Vaultline ----------------------------------------------------------------------------------------------------
/** The full backup and its restores (the database part), then the drill and a production restore (the drill part). */
async function benchVaultline() {
  console.log("\nVaultline (wrangler dev, local workerd):");
  const dev = await startDev({ port: Number(values.port), configPath: config, persistTo: state });
  // The first figures are without change capture (as in earlier runs); the capture section installs it.
  await removeCapture(dev);
  const t0 = performance.now();
  const created = await post(dev, "/admin/backup/create", { type: "full_database" });
  const backup = await poll(dev, `/admin/backup/${created.backup_id}`, (b) => b.status === "completed" || b.status === "failed");
  const backupWallMs = performance.now() - t0;
  if (backup.status !== "completed") throw new Error(`backup failed: ${JSON.stringify(backup.error)}`);
  const memAfterBackup = await peakWorkerdMemory(dev.child.pid!);
  console.log(
    `  full backup: ${secs(backupWallMs)} s (${backup.manifest.rows} rows, ${mb(backup.manifest.raw_bytes)} MB of rows -> ${mb(backup.manifest.stored_bytes)} MB stored, ${backup.manifest.chunks} chunks)`,
  );

  async function timedRestore(label: string) {
    const t = performance.now();
    const started = await post(dev, "/admin/backup/restore", { backup_id: created.backup_id, target_environment: "test" });
    const r = await poll(dev, `/admin/restore/${started.restore_id}`, (x) => ["completed", "failed"].includes(x.status));
    const ms = performance.now() - t;
    if (r.status !== "completed") throw new Error(`restore failed: ${JSON.stringify(r.error)}`);
    console.log(`  restore ${label}: ${secs(ms)} s (${Math.round(r.rows / (ms / 1000))} rows/s)`);
    // The restore log's timestamps give its phases: read manifest -> loaded -> staging verified -> swapped -> checked.
    const phases = ["load", "verify staging", "swap", "check target"];
    const at = (r.log as { at: string }[]).map((l) => Date.parse(l.at));
    console.log(`    phases: ${phases.map((p, i) => `${p} ${at[i + 1] && at[i] ? secs(at[i + 1]! - at[i]!) : "?"} s`).join(", ")}`);
    // The swap's and the drops' own count of D1 calls and the longest one (each must stay far under D1's 30 s).
    for (const l of r.log as { message: string }[]) {
      const m =
        /^(swapped the restored tables in|dropped the \d+ table\(s\) the restore replaced).*?(\d+) D1 calls, the longest (\d+) ms(?: \(([^)]*)\))?/.exec(
          l.message,
        );
      if (m)
        console.log(
          `    ${m[1]!.startsWith("swapped") ? "swap" : "drops"}: ${m[2]} D1 calls, the longest ${secs(Number(m[3]))} s${m[4] ? ` (${m[4]})` : ""}`,
        );
    }
    return ms;
  }
  const firstLabel =
    targetTablesBefore === 0 ? "into the empty RESTORE_TARGET_DB" : "into RESTORE_TARGET_DB (already holding a restored copy)";
  // Restores into the sandbox (the database part); --only drill goes straight on to the drill.
  const restoreWallMs = runs("database") ? await timedRestore(firstLabel) : null;
  const replaceWallMs = runs("database") ? await timedRestore(`again, replacing the ${backup.manifest.rows} rows it now holds`) : null;
  if (!runs("drill")) {
    const memPeak = await peakWorkerdMemory(dev.child.pid!);
    console.log(`  peak memory of workerd: ${mb(memAfterBackup)} MB after the backup, ${mb(memPeak)} MB after the restores`);
    await dev.stop();
    return { backup, backupWallMs, firstLabel, restoreWallMs, replaceWallMs, memPeak, drill: null };
  }
  // A full-system drill: sessions and files next to the database (seeded through the Worker once), one full-system
  // backup, then a test restore of it: every component into the sandbox, checked and cleaned up, end to end. Its
  // report's RTO is what an operator would quote for a disaster.
  const seededSessions = (await (
    await fetch(`${dev.url}/admin/demo/seed-sessions`, {
      method: "POST",
      headers: ADMIN,
      body: JSON.stringify({ sessions: 50_000, objects: 500 }),
    })
  ).json()) as any;
  const seededAssets = (await (
    await fetch(`${dev.url}/admin/demo/seed-assets`, {
      method: "POST",
      headers: ADMIN,
      body: JSON.stringify({ objects: 500, bytes: 1 << 20 }),
    })
  ).json()) as any;
  console.log(
    `  for the drill: ${seededSessions.sessions} sessions in ${seededSessions.objects_after} objects; ${seededAssets.written + seededAssets.skipped} files of 1 MiB`,
  );
  const ts = performance.now();
  const sys = await post(dev, "/admin/backup/create", { type: "full_system" });
  const sysDone = await poll(dev, `/admin/backup/${sys.backup_id}`, (b) => b.status === "completed" || b.status === "failed");
  const sysMs = performance.now() - ts;
  if (sysDone.status !== "completed") throw new Error(`full-system backup failed: ${JSON.stringify(sysDone.error)}`);
  console.log(`  full-system backup: ${secs(sysMs)} s (${sysDone.component_backups.map((c: any) => `${c.type} ${c.status}`).join(", ")})`);
  const td = performance.now();
  const drillStarted = await post(dev, `/admin/backup/${sys.backup_id}/test-restore`, {});
  const drill = await poll(dev, `/admin/test-restores/${drillStarted.test_id}`, (r) => r.status !== "running");
  const drillWallMs = performance.now() - td;
  if (drill.status !== "passed") throw new Error(`test restore failed: ${JSON.stringify(drill.checks.filter((c: any) => !c.passed))}`);
  const slowest = [...drill.checks].sort((a: any, b: any) => b.ms - a.ms)[0];
  console.log(
    `  test restore drill: ${secs(drillWallMs)} s end to end; RTO ${drill.rto_seconds.toFixed(1)} s (restore + ${drill.checks.length} checks, slowest: ${slowest.name} ${secs(slowest.ms)} s), cleanup ${drill.cleanup_seconds.toFixed(1)} s`,
  );
  // A production restore through every stage (the gate is the drill above; a second person approves), then rolled
  // back on request to its safety snapshot.
  // People with a second factor, signed in through the local demo issuer: production restores accept nothing less.
  const [adminJwt, approverJwt] = [await demoToken("admin"), await demoToken("approver")];
  const tpr = performance.now();
  const prod = await post(
    dev,
    "/admin/backup/restore",
    { backup_id: created.backup_id, target_environment: "production", confirmation: "I understand this will overwrite current data" },
    adminJwt,
  );
  await poll(dev, `/admin/restore/${prod.restore_id}`, (r) => r.status === "awaiting_approval" || r.status === "failed");
  const approvedAt = performance.now();
  const approval = await fetch(`${dev.url}/admin/restore/${prod.restore_id}/approve`, {
    method: "POST",
    headers: { authorization: `Bearer ${approverJwt}`, "content-type": "application/json" },
    body: JSON.stringify({ comment: "bench" }),
  });
  if (!approval.ok) throw new Error(`approval refused: ${await approval.text()}`);
  const prodDone = await poll(
    dev,
    `/admin/restore/${prod.restore_id}`,
    (r) => !["initiated", "running", "awaiting_approval"].includes(r.status),
  );
  const prodEnd = performance.now();
  const prodMs = prodEnd - tpr;
  if (prodDone.status !== "completed") throw new Error(`production restore ${prodDone.status}: ${JSON.stringify(prodDone.error)}`);
  const tr = performance.now();
  const rb = await post(dev, `/admin/restore/${prod.restore_id}/rollback`, {}, adminJwt);
  // A rollback is a production restore too: a second person approves it (after that, a fresh safety snapshot).
  await poll(dev, `/admin/restore/${rb.restore_id}`, (r) => r.status === "awaiting_approval" || r.status === "failed");
  const rbApproval = await fetch(`${dev.url}/admin/restore/${rb.restore_id}/approve`, {
    method: "POST",
    headers: { authorization: `Bearer ${approverJwt}`, "content-type": "application/json" },
    body: JSON.stringify({ comment: "bench: roll back" }),
  });
  if (!rbApproval.ok) throw new Error(`rollback approval refused: ${await rbApproval.text()}`);
  const rbDone = await poll(
    dev,
    `/admin/restore/${rb.restore_id}`,
    (r) => !["initiated", "running", "awaiting_approval"].includes(r.status),
  );
  const rollbackMs = performance.now() - tr;
  if (rbDone.status !== "completed") throw new Error(`rollback ${rbDone.status}: ${JSON.stringify(rbDone.error)}`);
  console.log(
    `  production restore of the database backup (gate: a drill of it runs first; approval; safety snapshot; restore; checks): ${secs(prodMs)} s, of which ${secs(prodEnd - approvedAt)} s after approval; rollback on request (approved, fresh safety snapshot, restore): ${secs(rollbackMs)} s`,
  );
  const memPeak = await peakWorkerdMemory(dev.child.pid!);
  console.log(`  peak memory of workerd: ${mb(memAfterBackup)} MB after the backup, ${mb(memPeak)} MB after the restores`);
  await dev.stop();
  return {
    backup,
    backupWallMs,
    firstLabel,
    restoreWallMs,
    replaceWallMs,
    memPeak,
    drill: {
      wallMs: drillWallMs,
      rto_seconds: drill.rto_seconds as number,
      cleanup_seconds: drill.cleanup_seconds as number,
      prodMs,
      rollbackMs,
    },
  };
}
const vaultline = runs("database") || runs("drill") ? await benchVaultline() : null;

// --- change capture: write overhead, RPO, incremental backup, point-in-time restore -----------------------------------
/**
 * Removes change capture the way an operator must (docs/ACCESS.md, "Two people"): the demo admin asks with a second
 * factor, the demo approver approves. Nothing to do when capture is not installed.
 */
/** The demo approver (a second person, second factor) approves a change request; it must come out applied. */
async function approveAsDemo(dev: DevServer, changeId: string, comment: string): Promise<void> {
  const approved = await fetch(`${dev.url}/admin/changes/${changeId}/approve`, {
    method: "POST",
    headers: { authorization: `Bearer ${await demoToken("approver")}`, "content-type": "application/json" },
    body: JSON.stringify({ comment }),
  });
  const done = (await approved.json()) as { status?: string };
  if (done.status !== "applied") throw new Error(`change ${changeId} not applied: ${JSON.stringify(done)}`);
}

async function removeCapture(dev: DevServer): Promise<void> {
  const asked = await fetch(`${dev.url}/admin/capture/remove`, {
    method: "POST",
    headers: { authorization: `Bearer ${await demoToken("admin")}` },
  });
  if (asked.status === 409) return;
  const change = (await asked.json()) as { change_id?: string };
  if (asked.status !== 202 || !change.change_id) throw new Error(`capture removal refused: ${asked.status} ${JSON.stringify(change)}`);
  await approveAsDemo(dev, change.change_id, "benchmark: capture off for the next figures");
}

async function call(dev: DevServer, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${dev.url}${path}`, { method, headers: ADMIN, body: body === undefined ? undefined : JSON.stringify(body) });
  const json: any = await res.json();
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

/** `baseStoredBytes`: the database part's full backup, when it ran; otherwise this part's own full backup's. */
async function benchCapture(dev: DevServer, baseStoredBytes: number | undefined) {
  const loadSeconds = Number(values["load-seconds"]);
  const rpoSeconds = Number(values["rpo-seconds"]);
  console.log(`\nChange capture (wrangler dev again; sign-in traffic: 25 sign-ins = 100 statements a batch, 4 batches a request):`);
  // Traffic as many short requests (4 batches each), as real sign-ins arrive: the shipper and the sampler get
  // their turns between them, as they would in production.
  async function traffic(seconds: number, seed: number) {
    const began = performance.now();
    let statements = 0;
    for (let i = 0; performance.now() - began < seconds * 1000; i++)
      statements += (await call(dev, "POST", "/admin/demo/write-load", { batches: 4, seed: seed * 1_000_000 + i })).statements;
    return { statements, ms: performance.now() - began };
  }
  const off = await traffic(loadSeconds, 1);
  const offRate = off.statements / (off.ms / 1000);
  console.log(`  capture off: ${Math.round(offRate)} statements/s over ${secs(off.ms)} s`);
  const installed = await call(dev, "POST", "/admin/capture/install");
  console.log(`  installed on ${installed.tables.length} tables; shipping ${installed.shipping}`);

  // The RPO: the oldest change not yet shipped, sampled every second while the traffic runs.
  const ages: number[] = [];
  let loading = true;
  const sampler = (async () => {
    while (loading) {
      const s = await call(dev, "GET", "/admin/capture/status").catch(() => null);
      if (s) ages.push(s.oldest_pending_at ? Date.now() - Date.parse(s.oldest_pending_at) : 0);
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  const on = await traffic(rpoSeconds, 2);
  loading = false;
  await sampler;
  const onRate = on.statements / (on.ms / 1000);
  const sorted = [...ages].sort((a, b) => a - b);
  const rpoMax = sorted.at(-1) ?? NaN;
  const rpoP50 = sorted[Math.floor(sorted.length / 2)] ?? NaN;
  console.log(`  capture on:  ${Math.round(onRate)} statements/s over ${secs(on.ms)} s (ratio ${(onRate / offRate).toFixed(2)})`);
  console.log(
    `  RPO under that load: oldest unshipped change at most ${secs(rpoMax)} s old (median ${secs(rpoP50)} s, ${ages.length} samples)`,
  );

  const tf = performance.now();
  const full = await post(dev, "/admin/backup/create", { type: "full_database" });
  const fullDone = await poll(dev, `/admin/backup/${full.backup_id}`, (b) => b.status === "completed" || b.status === "failed");
  const fullMs = performance.now() - tf;
  if (fullDone.status !== "completed") throw new Error(`full backup with capture failed: ${JSON.stringify(fullDone.error)}`);
  const fullStoredBytes: number = baseStoredBytes ?? fullDone.manifest.stored_bytes;
  console.log(
    `  full backup with capture (the base): ${secs(fullMs)} s, scan window ${fullDone.change_log.seq_end - fullDone.change_log.seq_start} changes`,
  );

  const changed = await call(dev, "POST", "/admin/demo/change", { percent: 1 });
  const ti = performance.now();
  const inc = await post(dev, "/admin/backup/create", { type: "incremental_database" });
  const incDone = await poll(dev, `/admin/backup/${inc.backup_id}`, (b) => b.status === "completed" || b.status === "failed");
  const incMs = performance.now() - ti;
  if (incDone.status !== "completed") throw new Error(`incremental backup failed: ${JSON.stringify(incDone.error)}`);
  const incBytes = incDone.manifest.stored_bytes as number;
  // Against the first full backup's stored bytes (a complete copy made this run, before the traffic grew the database).
  console.log(
    `  1 % changed (${changed.users} users, ${changed.refresh_tokens} refresh tokens) -> incremental backup ${secs(incMs)} s, ${incDone.manifest.rows} changes, ${(incBytes / 1e3).toFixed(1)} kB stored (${((incBytes / fullStoredBytes) * 100).toFixed(2)} % of the full backup's ${mb(fullStoredBytes)} MB; raw ${((incDone.manifest.raw_bytes / fullDone.manifest.raw_bytes) * 100).toFixed(2)} % of the base's rows)`,
  );

  // Point in time: just after the change, restored into the empty-or-not test database.
  await new Promise((r) => setTimeout(r, 2000));
  await call(dev, "POST", "/admin/capture/ship");
  const points = await call(dev, "GET", "/admin/backup/restore-points");
  const at = points.latest as string;
  const tp = performance.now();
  const started = await post(dev, "/admin/backup/restore", { target_timestamp: at, target_environment: "test" });
  const r = await poll(dev, `/admin/restore/${started.restore_id}`, (x) => ["completed", "failed"].includes(x.status));
  const pitrMs = performance.now() - tp;
  if (r.status !== "completed") throw new Error(`point-in-time restore failed: ${JSON.stringify(r.error)}`);
  const replayed = (r.log as { message: string }[]).find((l) => l.message.startsWith("applied"))?.message ?? "";
  console.log(`  point-in-time restore to ${at}: ${secs(pitrMs)} s (${r.rows} rows from the base; ${replayed})`);

  // Last: every component under one load, on top of the full backup with capture above (the database's base).
  const combined = await combinedLoad(dev, rpoSeconds);
  return {
    offRate,
    onRate,
    rpoMax,
    rpoP50,
    samples: ages.length,
    fullMs,
    incMs,
    incBytes,
    incChanges: incDone.manifest.rows,
    pitrMs,
    changed,
    fullStoredBytes,
    combined,
  };
}

/**
 * Continuous protection of every component under one load (issue 17): sign-ins that write the database, a session
 * each (through the session objects, so the session feed marks them) and a file now and then. The feeds start first
 * (the asset feed's first pass records the bucket) and a session and an asset backup are taken for them to carry.
 * Every second, per component, the RPO: for the database the age of the oldest change not yet shipped; for sessions
 * and assets how old the newest instant a restore can reach is (GET /admin/capture/status, `feeds`). Then one
 * restore of all three to an instant just before, into the test targets: its time and each component's skew.
 */
async function combinedLoad(dev: DevServer, seconds: number) {
  const tStart = performance.now();
  await call(dev, "POST", "/admin/capture/feeds/ship");
  for (const type of ["sessions", "assets"]) {
    const b = await post(dev, "/admin/backup/create", { type });
    const done = await poll(dev, `/admin/backup/${b.backup_id}`, (x) => x.status === "completed" || x.status === "failed");
    if (done.status !== "completed") throw new Error(`${type} backup for the feeds failed: ${JSON.stringify(done.error)}`);
  }
  await call(dev, "POST", "/admin/capture/feeds/ship");
  console.log(`  combined load: feeds started, a session and an asset backup taken (${secs(performance.now() - tStart)} s)`);
  const samples: Record<"database" | "sessions" | "assets", number[]> = { database: [], sessions: [], assets: [] };
  let loading = true;
  const sampler = (async () => {
    while (loading) {
      const s = await call(dev, "GET", "/admin/capture/status").catch(() => null);
      if (s) {
        samples.database.push(s.oldest_pending_at ? Date.now() - Date.parse(s.oldest_pending_at) : 0);
        for (const f of ["sessions", "assets"] as const)
          if (s.feeds?.[f]?.rpo_seconds != null) samples[f].push(s.feeds[f].rpo_seconds * 1000);
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  const began = performance.now();
  const written = { statements: 0, sessions: 0, files: 0 };
  // The instant the system restore below goes back to: ten seconds into the load, while every component changes.
  let at: string | undefined;
  for (let i = 0; performance.now() - began < seconds * 1000; i++) {
    if (at === undefined && performance.now() - began >= 10_000) at = new Date().toISOString();
    const w = await call(dev, "POST", "/admin/demo/write-load", {
      batches: 4,
      seed: 3_000_000 + i,
      sessions: 25,
      files: i % 4 === 0 ? 1 : 0,
      session_objects: 500,
    });
    written.statements += w.statements;
    written.sessions += w.sessions_written;
    written.files += w.files_written;
  }
  loading = false;
  await sampler;
  const loadMs = performance.now() - began;
  const stat = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return { p50: sorted[Math.floor(sorted.length / 2)] ?? NaN, max: sorted.at(-1) ?? NaN, n: sorted.length };
  };
  const rpo = { database: stat(samples.database), sessions: stat(samples.sessions), assets: stat(samples.assets) };
  console.log(
    `  combined load ${secs(loadMs)} s: ${written.statements} statements, ${written.sessions} session writes, ${written.files} files (${Math.round(written.statements / (loadMs / 1000))} statements/s, ${Math.round(written.sessions / (loadMs / 1000))} session writes/s)`,
  );
  for (const [c, r] of Object.entries(rpo))
    console.log(
      `    RPO ${c.padEnd(8)} p50 ${secs(r.p50)} s, max ${secs(r.max)} s (${r.n} samples)   target max <= ${c === "database" ? 5 : 60} s`,
    );

  // One instant across the system, during the load: every component restored to it into the test targets.
  await new Promise((r) => setTimeout(r, 3000));
  const tc = performance.now();
  await call(dev, "POST", "/admin/capture/ship");
  console.log(`  after the load: database shipped (${secs(performance.now() - tc)} s)`);
  await call(dev, "POST", "/admin/capture/feeds/ship");
  console.log(`  after the load: feeds shipped (${secs(performance.now() - tc)} s)`);
  const tp = performance.now();
  // Locally the answer can wait for the restore's first steps (one workerd thread): no client-side timeout here.
  const started = await postUntimed(dev, "/admin/backup/restore", {
    target_timestamp: at ?? new Date().toISOString(),
    target_environment: "test",
    components: ["database", "sessions", "assets"],
  });
  if (!started.restores) throw new Error(`system point-in-time restore refused: ${JSON.stringify(started)}`);
  console.log(
    `  system point-in-time restore started (${secs(performance.now() - tp)} s): ${started.restores.map((r: { component: string }) => r.component).join(", ")}`,
  );
  for (const r of started.restores as { restore_id: string; component: string }[]) {
    const done = await poll(dev, `/admin/restore/${r.restore_id}`, (x) => ["completed", "failed"].includes(x.status));
    if (done.status !== "completed")
      throw new Error(`system point-in-time restore of ${r.component} failed: ${JSON.stringify(done.error)}`);
  }
  const systemPitrMs = performance.now() - tp;
  const skews = Object.fromEntries(
    (started.instants as { component: string; skew_seconds: number }[]).map((i) => [i.component, i.skew_seconds]),
  );
  console.log(
    `  system point-in-time restore (database, sessions, assets) to ${at}: ${secs(systemPitrMs)} s; skew ${Object.entries(skews)
      .map(([c, k]) => `${c} ${k} s`)
      .join(", ")}`,
  );
  return { rpo, written, loadMs, systemPitrMs, skews };
}

// --- peers ----------------------------------------------------------------------------------------------------------
/** The peers on the same database: wrangler d1 export (whole, table by table), sqlite3 .dump | zstd, the re-import. */
async function benchPeers() {
  console.log("\nPeers on the same database:");
  const wholeExport = timed("wrangler d1 export --local (whole database)", "npx", [
    "wrangler",
    "d1",
    "export",
    "OIDC_DB",
    "--local",
    "-c",
    config,
    "--output",
    join(out, "whole.sql"),
    "-y",
  ]);
  const tables = [
    "users",
    "oauth_clients",
    "signing_keys",
    "refresh_tokens",
    "authorization_codes",
    "consents",
    "auth_events",
    "d1_migrations",
  ];
  let tableMs = 0;
  let tableBytes = 0;
  const failedTables: string[] = [];
  for (const t of tables) {
    const file = join(out, `table-${t}.sql`);
    rmSync(file, { force: true });
    const r = timed(`  wrangler d1 export --table ${t}`, "npx", [
      "wrangler",
      "d1",
      "export",
      "OIDC_DB",
      "--local",
      "-c",
      config,
      "--table",
      t,
      "--output",
      file,
      "-y",
    ]);
    tableMs += r.ms;
    if (!r.ok) failedTables.push(`${t} (${r.error})`);
    if (r.ok && existsSync(file)) tableBytes += statSync(file).size;
  }
  console.log(
    `  wrangler d1 export, table by table: ${secs(tableMs)} s, ${mb(tableBytes)} MB of SQL${failedTables.length ? `; failed: ${failedTables.join(", ")}` : ""}`,
  );

  let dump: { ms: number; bytes: number; zstBytes: number } | null = null;
  if (sqliteFile) {
    const sql = join(out, "dump.sql");
    const zst = join(out, "dump.sql.zst");
    const r = timed("sqlite3 .dump | zstd -3", "bash", [
      "-c",
      `set -o pipefail; sqlite3 '${sqliteFile}' .dump | tee '${sql}' | zstd -3 -q -f -o '${zst}'`,
    ]);
    dump = { ms: r.ms, bytes: statSync(sql).size, zstBytes: statSync(zst).size };
    console.log(`  SQL dump ${mb(dump.bytes)} MB, zstd -3 ${mb(dump.zstBytes)} MB (SQLite file ${mb(dbBytes)} MB)`);
  } else {
    console.log("  sqlite3/zstd unavailable: install Debian's sqlite3 and zstd for the native floor");
  }
  if (values["import-peer"]) {
    // The way back for a wrangler export: `wrangler d1 execute --file`, table by table (parents first), into an empty database.
    const drops = [...tables]
      .reverse()
      .map((t) => `DROP TABLE IF EXISTS "${t}";`)
      .join(" ");
    execFileSync(
      "npx",
      ["wrangler", "d1", "execute", "BENCH_IMPORT_DB", "--local", "-c", config, "--command", `PRAGMA defer_foreign_keys = ON; ${drops}`],
      { stdio: "ignore", env: { ...process.env, CI: "true" } },
    );
    let importMs = 0;
    for (const t of tables) {
      const file = join(out, `table-${t}.sql`);
      if (!existsSync(file)) continue;
      importMs += timed(`  wrangler d1 execute --file (${t})`, "npx", [
        "wrangler",
        "d1",
        "execute",
        "BENCH_IMPORT_DB",
        "--local",
        "-c",
        config,
        "--file",
        file,
        "-y",
      ]).ms;
    }
    console.log(`  re-import of the exported tables with wrangler d1 execute --file: ${secs(importMs)} s`);
  }
  return { wholeExport, tableMs, tableBytes, failedTables, dump };
}
const peers = runs("database") ? await benchPeers() : null;

// --- change capture, last: its traffic grows the database, so it runs on a copy that is put back afterwards --------
/** Write overhead, RPO, incremental backup and point-in-time restore, on a copy of the database put back after. */
async function benchCaptureOnCopy() {
  const d1Dir = join(state, "v3", "d1");
  const d1Saved = join(root, "d1-before-capture");
  rmSync(d1Saved, { recursive: true, force: true });
  cpSync(d1Dir, d1Saved, { recursive: true });
  const devCapture = await startDev({ port: Number(values.port), configPath: config, persistTo: state });
  try {
    return await benchCapture(devCapture, vaultline?.backup.manifest.stored_bytes as number | undefined);
  } finally {
    await devCapture.stop();
    rmSync(d1Dir, { recursive: true, force: true });
    renameSync(d1Saved, d1Dir);
  }
}
const capture = runs("capture") ? await benchCaptureOnCopy() : null;

// --- retention, last: a fresh repository of its own ----------------------------------------------------------------
let retention: Awaited<ReturnType<typeof benchRetention>> | null = null;
if (runs("retention")) {
  console.log(`\nRetention (wrangler dev, local workerd), ${values["retention-days"]} daily backups:`);
  retention = await benchRetention(Number(values["retention-days"]));
}

// --- summary: the figures of the parts that ran ---------------------------------------------------------------------
const rows: [string, string, string][] = [];
if (vaultline && peers) {
  const { backupWallMs, backup } = vaultline;
  const stored = backup.manifest.stored_bytes as number;
  const { dump, tableMs, failedTables } = peers;
  rows.push(
    [
      "backup time / table-by-table export time",
      (backupWallMs / tableMs).toFixed(2),
      failedTables.length ? "<= 0.50 (peer did not finish)" : "<= 0.50",
    ],
    ["stored bytes / SQL dump bytes", dump ? (stored / dump.bytes).toFixed(3) : "n/a", "<= 0.30"],
    ["stored bytes / sqlite3 .dump | zstd -3", dump ? (stored / dump.zstBytes).toFixed(2) : "n/a", "(native floor)"],
    ["backup time / sqlite3 .dump | zstd -3 time", dump ? (backupWallMs / dump.ms).toFixed(1) : "n/a", "(native floor)"],
    ["restore time / backup time", (vaultline.restoreWallMs! / backupWallMs).toFixed(2), "<= 2.0"],
    ["restore time (replacing) / backup time", (vaultline.replaceWallMs! / backupWallMs).toFixed(2), "<= 2.0"],
  );
}
if (vaultline?.drill)
  rows.push(
    ["test restore drill RTO (full system), seconds", vaultline.drill.rto_seconds.toFixed(1), "<= 300"],
    ["production restore, all stages, seconds", secs(vaultline.drill.prodMs), ""],
    ["rollback on request, seconds", secs(vaultline.drill.rollbackMs), ""],
  );
if (capture)
  rows.push(
    ["write throughput, capture on / off", (capture.onRate / capture.offRate).toFixed(2), ">= 0.7"],
    ["incremental backup (1 % changed), seconds", secs(capture.incMs), "<= 5"],
    ["incremental bytes / full backup bytes", `${((capture.incBytes / capture.fullStoredBytes) * 100).toFixed(2)} %`, "<= 2 %"],
    ["RPO: oldest unshipped change, seconds", secs(capture.rpoMax), "<= 5 (database)"],
    ["point-in-time restore, seconds", secs(capture.pitrMs), "(full restore + replay)"],
    [
      "combined load: RPO database max / p50, s",
      `${secs(capture.combined.rpo.database.max)} / ${secs(capture.combined.rpo.database.p50)}`,
      "max <= 5",
    ],
    [
      "combined load: RPO sessions max / p50, s",
      `${secs(capture.combined.rpo.sessions.max)} / ${secs(capture.combined.rpo.sessions.p50)}`,
      "max <= 60",
    ],
    [
      "combined load: RPO assets max / p50, s",
      `${secs(capture.combined.rpo.assets.max)} / ${secs(capture.combined.rpo.assets.p50)}`,
      "max <= 60",
    ],
    [
      "system point-in-time restore, seconds",
      secs(capture.combined.systemPitrMs),
      `skew ${Object.entries(capture.combined.skews)
        .map(([c, k]) => `${c} ${k} s`)
        .join(", ")}`,
    ],
  );
if (retention)
  rows.push(
    ["storage, 30 daily full backups (1 %/day) / one full", retention.ratio30.toFixed(2), "(full backups only)"],
    ["storage, full + 29 daily incrementals / one full", retention.ratio30Incremental.toFixed(2), "<= 1.5"],
    [
      `prune ${retention.days} -> 30 daily backups, seconds (both phases)`,
      secs(retention.forgetMs + retention.phaseTwoMs),
      `${mb(retention.freed)} MB freed`,
    ],
  );
console.log(`\nSummary for ${users} users${only ? ` (--only ${only})` : ""}, SQLite file ${mb(dbBytes)} MB:`);
if (vaultline) {
  const { backup, backupWallMs } = vaultline;
  console.log(
    `  Vaultline full backup   ${secs(backupWallMs).padStart(7)} s   ${backup.manifest.rows} rows, stored ${mb(backup.manifest.stored_bytes)} MB (compressed + encrypted)`,
  );
  if (vaultline.restoreWallMs !== null)
    console.log(
      `  Vaultline restore       ${secs(vaultline.restoreWallMs).padStart(7)} s   (${vaultline.firstLabel}: staging, checksum verify, bounded swap, shape check)`,
    );
  if (vaultline.replaceWallMs !== null)
    console.log(`  Vaultline restore       ${secs(vaultline.replaceWallMs).padStart(7)} s   (replacing a populated database)`);
  console.log(`  workerd peak memory     ${mb(vaultline.memPeak).padStart(7)} MB`);
}
if (peers) {
  const { wholeExport, tableMs, tableBytes, failedTables, dump } = peers;
  console.log(
    `  d1 export, whole        ${wholeExport.ok ? `${secs(wholeExport.ms).padStart(7)} s` : `failed after ${secs(wholeExport.ms)} s: ${wholeExport.error}`}`,
  );
  console.log(
    `  d1 export, per table    ${secs(tableMs).padStart(7)} s   ${mb(tableBytes)} MB${failedTables.length ? `   (failed: ${failedTables.join(", ")})` : ""}`,
  );
  if (dump) console.log(`  sqlite3 .dump | zstd -3 ${secs(dump.ms).padStart(7)} s   ${mb(dump.zstBytes)} MB`);
}
console.log("\n  ratio                                          measured   target");
for (const [k, v, t] of rows) console.log(`  ${k.padEnd(46)} ${v.padStart(8)}   ${t}`);
writeFileSync(
  join(root, only ? `results-${only}.json` : "results.json"),
  JSON.stringify(
    {
      users,
      only: only ?? null,
      backup: vaultline?.backup.manifest ?? null,
      backupWallMs: vaultline?.backupWallMs ?? null,
      restoreWallMs: vaultline?.restoreWallMs ?? null,
      replaceWallMs: vaultline?.replaceWallMs ?? null,
      memPeak: vaultline?.memPeak ?? null,
      capture,
      drill: vaultline?.drill ?? null,
      ...(peers ?? {}),
      dbBytes,
      retention,
    },
    null,
    2,
  ),
);
