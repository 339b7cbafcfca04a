import { PolicySet } from "../../schemas/retention";
import { audit } from "../catalog/audit-log";
import type { Env } from "../env";
import { defaultPolicy } from "./policy";
import { insertPolicy, latestPolicyRow } from "../catalog/retention-policies";
import { sealCatalogRecord } from "../repo/catalog-records";

export interface StoredPolicy {
  version: number;
  policy: PolicySet;
  set_by: string;
  set_at: string | null;
}

/** The policy in force: the newest one set, else the default from BACKUP_RETENTION_DAYS (version 0). */
export async function currentPolicy(env: Env): Promise<StoredPolicy> {
  const row = await latestPolicyRow(env.CATALOG_DB);
  if (row) return { ...row, policy: PolicySet.parse(JSON.parse(row.policy)) };
  return {
    version: 0,
    policy: defaultPolicy(Number(env.BACKUP_RETENTION_DAYS || 30)),
    set_by: "default (BACKUP_RETENTION_DAYS)",
    set_at: null,
  };
}

/** Stores a new version (every version is kept) and audits the change with the versions before and after. */
export async function setPolicy(env: Env, policy: PolicySet, by: string): Promise<StoredPolicy> {
  const before = await currentPolicy(env);
  const at = new Date().toISOString();
  const r = await insertPolicy(env.CATALOG_DB, JSON.stringify(policy), by, at);
  // Also in the repository: a rebuilt catalog applies this version, not the default.
  await sealCatalogRecord(env, { kind: "policy", version: r, policy: JSON.stringify(policy), set_by: by, set_at: at });
  await audit(env.CATALOG_DB, {
    actor: by,
    action: "policy.changed",
    target: `retention v${r}`,
    outcome: 1,
    detail: { from_version: before.version, to_version: r },
  });
  return { version: r, policy, set_by: by, set_at: at };
}
