// npm run provision -- [--env staging|production] [--dry-run] [--primary-location wnam] [--replica-location weur]
//                      [--replica-jurisdiction eu]
// Creates what Vaultline needs in a Cloudflare account (the cloudflare SDK, CLOUDFLARE_API_TOKEN and
// CLOUDFLARE_ACCOUNT_ID), as wrangler.jsonc's environment names it: the catalog and restore-target databases, the
// backup, replica and restore-target buckets, the notification queue and its dead-letter queue; then puts R2 bucket
// locks on the backup and replica buckets that hold every backup object for the minimum retention
// (BACKUP_RETENTION_DAYS). Idempotent: what exists is left as it is, and the lock rules are set to exactly the plan.
// The provider's own database (by id), bucket and session Worker (SESSIONS' script_name) are checked, never created.
// Bucket listings are read page by page, in each jurisdiction the plan uses.
import Cloudflare from "cloudflare";
import { parseArgs } from "node:util";
import { type Jurisdiction, type Location, provisionPlan } from "./lib/provision-plan.ts";

const { values } = parseArgs({
  options: {
    "dry-run": { type: "boolean", default: false },
    "primary-location": { type: "string" },
    "replica-location": { type: "string" },
    "replica-jurisdiction": { type: "string" },
    config: { type: "string", default: "wrangler.jsonc" },
    env: { type: "string" },
  },
});
const accountId = process.env.CLOUDFLARE_ACCOUNT_ID;
const apiToken = process.env.CLOUDFLARE_API_TOKEN;
if (!accountId || !apiToken) {
  console.error("provision: set CLOUDFLARE_ACCOUNT_ID and CLOUDFLARE_API_TOKEN (a token with D1, R2 and Queues edit rights)");
  process.exit(2);
}
const plan = provisionPlan({
  configPath: values.config,
  env: values.env,
  primaryLocation: values["primary-location"] as Location | undefined,
  replicaLocation: values["replica-location"] as Location | undefined,
  replicaJurisdiction: values["replica-jurisdiction"] as Jurisdiction | undefined,
});
const base = (process.env.CLOUDFLARE_API_BASE_URL ?? "https://api.cloudflare.com/client/v4").replace(/\/$/, "");
const cf = new Cloudflare({ apiToken, ...(process.env.CLOUDFLARE_API_BASE_URL ? { baseURL: process.env.CLOUDFLARE_API_BASE_URL } : {}) });
const dry = values["dry-run"];
const account_id = accountId;
const report: string[] = [];
let missingProvider = 0;
const missing = (line: string) => {
  missingProvider++;
  report.push(line);
};
const act = async (what: string, fn: () => Promise<unknown>) => {
  report.push(`${dry ? "would create" : "created"} ${what}`);
  if (!dry) await fn();
};

const databases = new Map<string, string>();
const databaseIds = new Set<string>();
for await (const d of cf.d1.database.list({ account_id })) {
  if (!d.name || !d.uuid) continue;
  databases.set(d.name, d.uuid);
  databaseIds.add(d.uuid);
}
for (const d of plan.databases) {
  if (d.id && databaseIds.has(d.id)) report.push(`exists  D1 ${d.name} (${d.binding}) id ${d.id}`);
  else if (d.id) missing(`MISSING D1 id ${d.id} (${d.binding}): the provider's database; check its database_id in wrangler.jsonc`);
  else if (databases.has(d.name)) report.push(`exists  D1 ${d.name} (${d.binding}) id ${databases.get(d.name)}`);
  else if (d.owner === "provider")
    missing(`MISSING D1 ${d.name} (${d.binding}): the provider's database; create it with the provider, not here`);
  else
    await act(`D1 ${d.name} (${d.binding})`, async () =>
      databases.set(d.name, (await cf.d1.database.create({ account_id, name: d.name })).uuid!),
    );
}

/** Every bucket of the account in one jurisdiction ("default" or eu/fedramp), page by page. */
async function bucketNames(jurisdiction: Jurisdiction | undefined): Promise<Set<string>> {
  const names = new Set<string>();
  let cursor: string | undefined;
  do {
    const url = new URL(`${base}/accounts/${account_id}/r2/buckets`);
    url.searchParams.set("per_page", "1000");
    if (cursor) url.searchParams.set("cursor", cursor);
    const res = await fetch(url, {
      headers: { authorization: `Bearer ${apiToken}`, ...(jurisdiction ? { "cf-r2-jurisdiction": jurisdiction } : {}) },
    });
    const body = (await res.json()) as {
      success: boolean;
      errors?: { message: string }[];
      result?: { buckets?: { name: string }[] };
      result_info?: { cursor?: string };
    };
    if (!res.ok || !body.success)
      throw new Error(
        `listing R2 buckets${jurisdiction ? ` (${jurisdiction})` : ""}: ${res.status} ${body.errors?.map((e) => e.message).join("; ") ?? ""}`,
      );
    for (const b of body.result?.buckets ?? []) names.add(b.name);
    cursor = body.result_info?.cursor || undefined;
  } while (cursor);
  return names;
}
const bucketsIn = new Map<string, Set<string>>();
for (const j of new Set(plan.buckets.map((b) => b.jurisdiction ?? "default")))
  bucketsIn.set(j, await bucketNames(j === "default" ? undefined : (j as Jurisdiction)));
for (const b of plan.buckets) {
  const where = b.jurisdiction ? ` [${b.jurisdiction}]` : "";
  if (bucketsIn.get(b.jurisdiction ?? "default")!.has(b.name)) report.push(`exists  R2 ${b.name}${where} (${b.binding})`);
  else if (b.owner === "provider") missing(`MISSING R2 ${b.name}${where} (${b.binding}): the provider's bucket`);
  else {
    const where = [b.locationHint, b.jurisdiction].filter(Boolean).join(", ");
    await act(`R2 ${b.name} (${b.binding})${where ? ` in ${where}` : ""}`, () =>
      cf.r2.buckets.create({
        account_id,
        name: b.name,
        ...(b.locationHint ? { locationHint: b.locationHint } : {}),
        ...(b.jurisdiction ? { "cf-r2-jurisdiction": b.jurisdiction } : {}),
      }),
    );
  }
}

if (plan.providerScripts.length) {
  const scripts = new Set<string>();
  for await (const w of cf.workers.scripts.list({ account_id })) if (w.id) scripts.add(w.id);
  for (const p of plan.providerScripts) {
    if (scripts.has(p.script)) report.push(`exists  Worker ${p.script} (${p.binding}: ${p.className})`);
    else
      missing(
        `MISSING Worker ${p.script} (${p.binding}: ${p.className}): the provider's Worker that holds its session Durable Objects; deploy it first`,
      );
  }
}

const queues = new Set<string>();
for await (const q of cf.queues.list({ account_id })) if (q.queue_name) queues.add(q.queue_name);
for (const q of plan.queues) {
  if (queues.has(q)) report.push(`exists  queue ${q}`);
  else await act(`queue ${q}`, () => cf.queues.create({ account_id, queue_name: q }));
}

for (const b of plan.buckets.filter((b) => b.locked)) {
  const held = plan.lockRules.map(
    (r) => `${r.prefix} ${r.condition.type === "Age" ? `for ${r.condition.maxAgeSeconds / 86_400} days` : "for good"}`,
  );
  report.push(`${dry ? "would lock" : "locked"}  R2 ${b.name}: ${held.join(", ")} (bucket lock)`);
  if (!dry) {
    await cf.r2.buckets.locks.update(b.name, {
      account_id,
      rules: plan.lockRules,
      ...(b.jurisdiction ? { "cf-r2-jurisdiction": b.jurisdiction } : {}),
    });
    const back = await cf.r2.buckets.locks.get(b.name, { account_id, ...(b.jurisdiction ? { "cf-r2-jurisdiction": b.jurisdiction } : {}) });
    const got = JSON.stringify((back.rules ?? []).map((r) => [r.id, r.prefix, r.enabled, r.condition]).sort());
    const want = JSON.stringify(plan.lockRules.map((r) => [r.id, r.prefix, r.enabled, r.condition]).sort());
    if (got !== want) throw new Error(`bucket lock on ${b.name} reads back as ${got}, not ${want}`);
  }
}

for (const line of report) console.log(line);
const ids = plan.databases.filter((d) => d.owner === "vaultline" && databases.has(d.name));
if (!dry && ids.length)
  console.log(
    `\nPut these database ids in wrangler.jsonc:\n${ids.map((d) => `  ${d.binding}: "database_id": "${databases.get(d.name)}"`).join("\n")}`,
  );
if (missingProvider) {
  console.error(`\n${missingProvider} of the provider's resources are missing: Vaultline protects them, it does not create them.`);
  process.exit(1);
}
