import { NON_SECRET_VARS, SECRET_NAMES, type ConfigSnapshot } from "../../schemas/config-manifest";
import { isInternalName } from "../db/sql";
import type { Env } from "../env";
import { sha256Hex, utf8 } from "../repo/bytes";
import { parseSchedules } from "../schedule/schedules";

/** What kind of binding a value is, by the class workerd gives it. */
const KINDS: Record<string, string> = {
  D1Database: "d1",
  R2Bucket: "r2",
  DurableObjectNamespace: "durable_object_namespace",
  WorkerQueue: "queue",
  WorkflowImpl: "workflow",
  Fetcher: "service",
  KvNamespace: "kv",
  AnalyticsEngineDataset: "analytics_engine",
  SendEmail: "send_email",
};

/**
 * The deployed configuration as the Worker sees it. Values only of known non-secret vars; secrets by name;
 * anything else string-like by name only, since it may be a secret someone added.
 */
export async function captureConfig(env: Env): Promise<ConfigSnapshot> {
  const record = env as unknown as Record<string, unknown>;
  const vars: Record<string, string> = {};
  const unclassified: string[] = [];
  const bindings: ConfigSnapshot["bindings"] = [];
  for (const name of Object.keys(record).sort()) {
    if (name.startsWith("__")) continue; // the runtime's own (test harness)
    const value = record[name];
    if ((NON_SECRET_VARS as readonly string[]).includes(name)) vars[name] = typeof value === "string" ? value : JSON.stringify(value);
    else if ((SECRET_NAMES as readonly string[]).includes(name)) continue;
    else if (value !== null && typeof value === "object" && KINDS[value.constructor?.name ?? ""])
      bindings.push({ name, kind: KINDS[value.constructor!.name]! });
    else unclassified.push(name);
  }
  const databases: ConfigSnapshot["databases"] = [];
  for (const b of bindings.filter((x) => x.kind === "d1"))
    databases.push({ binding: b.name, ...(await describeDatabase(record[b.name] as D1Database)) });
  return {
    vars,
    secrets: SECRET_NAMES.map((name) => ({ name, present: typeof record[name] === "string" && (record[name] as string).length > 0 })),
    unclassified,
    bindings,
    schedules: parseSchedules(env.BACKUP_SCHEDULES),
    databases,
  };
}

async function describeDatabase(db: D1Database) {
  const { results } = await db
    .prepare("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type, name")
    .all<{ type: string; name: string; sql: string }>();
  const objects = results.filter((o) => !isInternalName(o.name));
  const schema_digest = await sha256Hex(utf8.encode(objects.map((o) => `${o.type}\u0000${o.name}\u0000${o.sql}`).join("\u0001")));
  let migration: string | null = null;
  let migrations_applied = 0;
  if (objects.some((o) => o.type === "table" && o.name === "d1_migrations")) {
    const row = await db
      .prepare("SELECT count(*) AS n, (SELECT name FROM d1_migrations ORDER BY id DESC LIMIT 1) AS latest FROM d1_migrations")
      .first<{ n: number; latest: string | null }>();
    migration = row?.latest ?? null;
    migrations_applied = row?.n ?? 0;
  }
  return { migration, migrations_applied, schema_digest, schema_objects: objects.length };
}
