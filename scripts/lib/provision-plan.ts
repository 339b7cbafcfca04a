// What `npm run provision` makes sure exists, derived from wrangler.jsonc: one place that says which resources are
// ours to create, which belong to the provider (checked, never created), and which prefixes bucket locks protect.
import { readWranglerConfig } from "./wrangler-config.ts";

export type Location = "wnam" | "enam" | "weur" | "eeur" | "apac" | "oc";

export interface ProvisionPlan {
  databases: { binding: string; name: string; owner: "vaultline" | "provider" }[];
  buckets: { binding: string; name: string; owner: "vaultline" | "provider"; locationHint?: Location; jurisdiction?: "eu" | "fedramp"; locked: boolean }[];
  queues: string[];
  /** Bucket lock rules for every locked bucket: the minimum retention, by prefix (docs/KEYS.md, docs/OPERATIONS.md). */
  lockRules: { id: string; prefix: string; enabled: true; condition: { type: "Age"; maxAgeSeconds: number } }[];
}

/** Backup data that must outlive the minimum retention whoever holds the API token. `keys/` and `config` are not
 * locked: retiring an old master key deletes its wraps (docs/KEYS.md), and the config is written once anyway. */
export const LOCKED_PREFIXES = ["data/", "manifests/", "segments/", "audit/"] as const;

const PROVIDER_BINDINGS = new Set(["OIDC_DB", "ASSETS_BUCKET"]);

export function provisionPlan(opts: { configPath?: string; primaryLocation?: Location; replicaLocation?: Location; replicaJurisdiction?: "eu" | "fedramp" } = {}): ProvisionPlan {
  const config = readWranglerConfig(opts.configPath) as ReturnType<typeof readWranglerConfig> & {
    d1_databases: { binding: string; database_name: string }[];
    r2_buckets: { binding: string; bucket_name: string }[];
    queues?: { producers?: { queue: string }[] };
  };
  const days = Number(config.vars?.BACKUP_RETENTION_DAYS ?? 30);
  if (!Number.isInteger(days) || days < 1) throw new Error(`BACKUP_RETENTION_DAYS must be a whole number of days, got ${config.vars?.BACKUP_RETENTION_DAYS}`);
  const queues = (config.queues?.producers ?? []).map((p) => p.queue);
  return {
    databases: config.d1_databases.map((d) => ({ binding: d.binding, name: d.database_name, owner: PROVIDER_BINDINGS.has(d.binding) ? "provider" : "vaultline" })),
    buckets: config.r2_buckets.map((b) => ({
      binding: b.binding,
      name: b.bucket_name,
      owner: PROVIDER_BINDINGS.has(b.binding) ? "provider" : "vaultline",
      ...(b.binding === "BACKUP_BUCKET" && opts.primaryLocation ? { locationHint: opts.primaryLocation } : {}),
      ...(b.binding === "BACKUP_REPLICA_BUCKET" ? { locationHint: opts.replicaLocation ?? "weur", ...(opts.replicaJurisdiction ? { jurisdiction: opts.replicaJurisdiction } : {}) } : {}),
      locked: b.binding === "BACKUP_BUCKET" || b.binding === "BACKUP_REPLICA_BUCKET",
    })),
    // Each queue with its dead-letter queue, so no notification is dropped silently.
    queues: queues.flatMap((q) => [q, `${q}-dlq`]),
    lockRules: LOCKED_PREFIXES.map((prefix) => ({
      id: `vaultline-min-retention-${prefix.replace(/\/$/, "")}`,
      prefix,
      enabled: true,
      condition: { type: "Age", maxAgeSeconds: days * 86_400 },
    })),
  };
}
