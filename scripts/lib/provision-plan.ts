// What `npm run provision` makes sure exists, derived from wrangler.jsonc: one place that says which resources are
// ours to create, which belong to the provider (checked, never created), and which prefixes bucket locks protect.
import { readWranglerConfig } from "./wrangler-config.ts";

export type Location = "wnam" | "enam" | "weur" | "eeur" | "apac" | "oc";

export type Jurisdiction = "eu" | "fedramp";

export interface ProvisionPlan {
  /** The provider's database is named by its id (database_id) where the configuration has one. */
  databases: { binding: string; name: string; id?: string; owner: "vaultline" | "provider" }[];
  buckets: {
    binding: string;
    name: string;
    owner: "vaultline" | "provider";
    locationHint?: Location;
    jurisdiction?: Jurisdiction;
    locked: boolean;
  }[];
  queues: string[];
  /** The provider's Workers that hold its session Durable Objects (SESSIONS' script_name): checked, never created. */
  providerScripts: { binding: string; script: string; className: string }[];
  /** Bucket lock rules for every locked bucket: the minimum retention, by prefix (docs/KEYS.md, docs/OPERATIONS.md). */
  lockRules: { id: string; prefix: string; enabled: true; condition: { type: "Age"; maxAgeSeconds: number } | { type: "Indefinite" } }[];
}

/** Backup data that must outlive the minimum retention whoever holds the API token. */
export const LOCKED_PREFIXES = ["data/", "manifests/", "segments/", "audit/", "keys-archive/"] as const;
/**
 * Held for good: the repository's `config` (a bucket that loses it refuses to start over) and its data key chain
 * (`keychain/`), written once and never deleted. `keys/` stays deletable (retiring a master key deletes its wraps,
 * docs/KEYS.md); its daily dated copies under `keys-archive/` are held for the retention period (in
 * LOCKED_PREFIXES), and the escrow copy (`npx vaultline keys export`) beyond.
 */
export const FOREVER_PREFIXES = ["config", "keychain/"] as const;

const PROVIDER_BINDINGS = new Set(["OIDC_DB", "ASSETS_BUCKET"]);

/** From wrangler.jsonc's top level or one of its environments (`--env staging|production`). */
export function provisionPlan(
  opts: {
    configPath?: string;
    env?: string;
    primaryLocation?: Location;
    replicaLocation?: Location;
    replicaJurisdiction?: Jurisdiction;
  } = {},
): ProvisionPlan {
  const config = readWranglerConfig(opts.configPath, opts.env);
  const days = Number(config.vars?.BACKUP_RETENTION_DAYS ?? 30);
  if (!Number.isInteger(days) || days < 1)
    throw new Error(`BACKUP_RETENTION_DAYS must be a whole number of days, got ${config.vars?.BACKUP_RETENTION_DAYS}`);
  const queues = (config.queues?.producers ?? []).map((p) => p.queue);
  // Queues only something else produces to: the asset change feed's R2 event notifications (docs/OPERATIONS.md).
  const consumed = (config.queues?.consumers ?? []).map((c) => c.queue).filter((q) => !q.endsWith("-dlq") && !queues.includes(q));
  return {
    databases: config.d1_databases.map((d) => {
      const owner = PROVIDER_BINDINGS.has(d.binding) ? "provider" : "vaultline";
      return {
        binding: d.binding,
        name: d.database_name!,
        owner,
        ...(owner === "provider" && d.database_id && !/^REPLACE/i.test(d.database_id) ? { id: d.database_id } : {}),
      };
    }),
    buckets: config.r2_buckets.map((b) => {
      // A jurisdiction from the configuration (r2_buckets[].jurisdiction), or for the replica from the command line.
      const jurisdiction = (b.binding === "BACKUP_REPLICA_BUCKET" ? (opts.replicaJurisdiction ?? b.jurisdiction) : b.jurisdiction) as
        | Jurisdiction
        | undefined;
      return {
        binding: b.binding,
        name: b.bucket_name!,
        owner: PROVIDER_BINDINGS.has(b.binding) ? "provider" : "vaultline",
        ...(b.binding === "BACKUP_BUCKET" && opts.primaryLocation ? { locationHint: opts.primaryLocation } : {}),
        ...(b.binding === "BACKUP_REPLICA_BUCKET" ? { locationHint: opts.replicaLocation ?? "weur" } : {}),
        ...(jurisdiction ? { jurisdiction } : {}),
        locked: b.binding === "BACKUP_BUCKET" || b.binding === "BACKUP_REPLICA_BUCKET",
      };
    }),
    providerScripts: config.durable_objects.bindings
      .filter((b) => b.script_name)
      .map((b) => ({ binding: b.name, script: b.script_name!, className: b.class_name })),
    // Each queue with its dead-letter queue, so no notification is dropped silently; then the event queues.
    queues: [...queues.flatMap((q) => [q, `${q}-dlq`]), ...consumed],
    lockRules: [
      ...LOCKED_PREFIXES.map((prefix) => ({
        id: `vaultline-min-retention-${prefix.replace(/\/$/, "")}`,
        prefix,
        enabled: true as const,
        condition: { type: "Age" as const, maxAgeSeconds: days * 86_400 },
      })),
      ...FOREVER_PREFIXES.map((prefix) => ({
        id: `vaultline-forever-${prefix.replace(/\/$/, "")}`,
        prefix,
        enabled: true as const,
        condition: { type: "Indefinite" as const },
      })),
    ],
  };
}
