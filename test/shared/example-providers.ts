// Node side of the provider fixtures: the example providers run as auxiliary Workers beside Vaultline in the workerd
// tests, built from their own source and bound from their own wrangler.jsonc, as `wrangler dev` runs them.
import { buildSync } from "esbuild";
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { unstable_readConfig } from "wrangler";

export interface ExampleProvider {
  /** Miniflare options of the provider's own Worker (miniflare's WorkerOptions; its type is not importable here). */
  worker: any;
  /** Its database's id (Vaultline's OIDC_DB points there) and its session class, for Vaultline's bindings. */
  databaseId: string;
  sessions: { className: string; scriptName: string };
  migrationsDir: string;
}

/** Bundles an example provider's Worker and reads its bindings from its wrangler.jsonc. */
export function exampleProvider(configPath: string): ExampleProvider {
  const config = unstable_readConfig({ config: configPath });
  const dir = dirname(resolve(configPath));
  const outfile = resolve(".test-output", "providers", `${config.name}.mjs`);
  mkdirSync(dirname(outfile), { recursive: true });
  buildSync({
    entryPoints: [config.main!],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    outfile,
    external: ["cloudflare:*", "node:*"],
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    logLevel: "error",
  });
  const db = config.d1_databases[0]!;
  const so = config.durable_objects.bindings[0]!;
  return {
    worker: {
      name: config.name,
      modules: true,
      scriptPath: outfile,
      compatibilityDate: config.compatibility_date,
      compatibilityFlags: config.compatibility_flags,
      d1Databases: Object.fromEntries(
        config.d1_databases.map((d: { binding: string; database_id?: string }) => [d.binding, d.database_id!]),
      ),
      r2Buckets: Object.fromEntries(config.r2_buckets.map((b: { binding: string; bucket_name?: string }) => [b.binding, b.bucket_name!])),
      durableObjects: Object.fromEntries(
        config.durable_objects.bindings.map((b: { name: string; class_name: string }) => [
          b.name,
          { className: b.class_name, useSQLite: true },
        ]),
      ),
    },
    databaseId: db.database_id!,
    sessions: { className: so.class_name, scriptName: config.name! },
    migrationsDir: join(dir, db.migrations_dir ?? "migrations"),
  };
}
