// npm run seed -- [--users N] [--reset] [--persist-to DIR] [--sessions N --objects M]
// Fills the local OIDC_DB with deterministic demo data through the D1 binding (wrangler's getPlatformProxy),
// in batches of multi-row INSERTs: about 1.5 million rows for 100k users in about 35 s.
// --sessions: Durable Objects are reachable only through the Worker, so demo sessions are written by the running
// `npm start` (its DEMO_MODE route, at PORT); the database seed is skipped then.
import { join } from "node:path";
import { parseArgs } from "node:util";
import { getPlatformProxy } from "wrangler";
import { seedDatabase } from "../examples/demo-provider/src/generate.ts";
import { DEMO_PROVIDER_CONFIG, LOCAL_STATE } from "./lib/local-setup.ts";

const DEMO_TABLES = ["auth_events", "authorization_codes", "consents", "refresh_tokens", "users", "signing_keys", "oauth_clients"];

// getPlatformProxy warns about Workflow and Durable Object bindings it cannot serve; seeding needs only D1.
process.env.WRANGLER_LOG ??= "error";

/** Seeds the demo provider's database (through its own configuration, as the provider would). */
export async function seed(opts: {
  users: number;
  reset: boolean;
  persistTo?: string;
  configPath?: string;
  quiet?: boolean;
}): Promise<{ rows: number; seconds: number } | null> {
  const proxy = await getPlatformProxy<{ OIDC_DB: D1Database }>({
    configPath: opts.configPath ?? DEMO_PROVIDER_CONFIG,
    // wrangler dev --persist-to DIR keeps state in DIR/v3; getPlatformProxy takes that v3 folder itself.
    persist: { path: join(opts.persistTo ?? LOCAL_STATE, "v3") },
  });
  try {
    const db = proxy.env.OIDC_DB;
    const existing = (await db.prepare("SELECT count(*) AS n FROM users").first<number>("n")) ?? 0;
    if (existing > 0 && !opts.reset) {
      if (!opts.quiet) console.log(`OIDC_DB already holds ${existing} users; pass --reset to replace them.`);
      return null;
    }
    if (existing > 0) await db.batch(DEMO_TABLES.map((t) => db.prepare(`DELETE FROM "${t}"`)));
    const began = performance.now();
    let last = 0;
    const rows = await seedDatabase(db, {
      users: opts.users,
      batchUsers: 1000,
      onProgress: (done) => {
        if (!opts.quiet && performance.now() - last > 2000) {
          last = performance.now();
          process.stdout.write(`  seeded ${done} of ${opts.users} users\r`);
        }
      },
    });
    const seconds = (performance.now() - began) / 1000;
    if (!opts.quiet)
      console.log(`Seeded ${opts.users} users, ${rows} rows in ${seconds.toFixed(1)} s (${Math.round(rows / seconds)} rows/s).`);
    return { rows, seconds };
  } finally {
    await proxy.dispose();
  }
}

async function seedSessionsThroughWorker(sessions: number, objects: number): Promise<void> {
  const url = `http://127.0.0.1:${process.env.PORT ?? 8787}/admin/demo/seed-sessions`;
  const res = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${process.env.VAULTLINE_TOKEN ?? "vl-demo-admin"}`, "content-type": "application/json" },
    body: JSON.stringify({ sessions, objects }),
  }).catch((e: Error) => {
    console.error(`Could not reach the Worker at ${url} (${e.message}): start it with npm start first.`);
    process.exit(1);
  });
  const body: any = await res.json();
  if (!res.ok) {
    console.error(`Seeding sessions failed: ${res.status} ${JSON.stringify(body)}`);
    process.exit(1);
  }
  console.log(
    `Seeded ${body.sessions} sessions across ${body.objects} Durable Objects in ${(body.ms / 1000).toFixed(1)} s (${body.objects_after} registered).`,
  );
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      users: { type: "string", default: "1000" },
      reset: { type: "boolean", default: false },
      "persist-to": { type: "string" },
      sessions: { type: "string" },
      objects: { type: "string", default: "500" },
    },
  });
  if (values.sessions !== undefined) {
    await seedSessionsThroughWorker(Number(values.sessions), Number(values.objects));
    process.exit(0);
  }
  const users = Number(values.users);
  if (!Number.isInteger(users) || users < 1) {
    console.error("--users must be a positive whole number");
    process.exit(2);
  }
  await seed({ users, reset: values.reset, persistTo: values["persist-to"] });
}
