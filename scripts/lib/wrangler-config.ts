import { unstable_readConfig } from "wrangler";

/** The parts of a resolved wrangler configuration the scripts read. */
export interface WranglerConfig {
  name?: string;
  triggers: { crons?: string[] };
  vars: Record<string, unknown>;
  d1_databases: { binding: string; database_name?: string; database_id?: string; migrations_dir?: string }[];
  r2_buckets: { binding: string; bucket_name?: string; jurisdiction?: string }[];
  durable_objects: { bindings: { name: string; class_name: string; script_name?: string }[] };
  queues: { producers?: { binding: string; queue: string }[]; consumers?: { queue: string }[] };
  workflows: { binding: string; name: string; class_name: string }[];
}

/**
 * Reads wrangler.jsonc with wrangler's own reader (JSONC: comments anywhere, trailing commas), for the top level
 * (the local demo) or a named environment, exactly as `wrangler deploy --env` would see it.
 */
export function readWranglerConfig(path = "wrangler.jsonc", env?: string): WranglerConfig {
  return unstable_readConfig({ config: path, env }, { hideWarnings: true }) as unknown as WranglerConfig;
}
