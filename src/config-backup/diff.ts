import type { ConfigSnapshot } from "../../schemas/config-manifest";

export interface ConfigChange {
  path: string;
  change: "added" | "removed" | "changed";
  before?: unknown;
  after?: unknown;
}

/** Leaf values by path: `vars.EXPORT_STEP_MB`, `bindings.OIDC_DB`, `databases.OIDC_DB.migration`, ... */
function flatten(c: ConfigSnapshot): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [k, v] of Object.entries(c.vars)) out.set(`vars.${k}`, v);
  for (const s of c.secrets) out.set(`secrets.${s.name}`, s.present ? "present" : "missing");
  for (const n of c.unclassified) out.set(`unclassified.${n}`, "present");
  for (const b of c.bindings) out.set(`bindings.${b.name}`, b.kind);
  for (const [cron, tasks] of Object.entries(c.schedules)) out.set(`schedules.${cron}`, JSON.stringify(tasks));
  for (const d of c.databases) {
    out.set(`databases.${d.binding}.migration`, d.migration);
    out.set(`databases.${d.binding}.migrations_applied`, d.migrations_applied);
    out.set(`databases.${d.binding}.schema_digest`, d.schema_digest);
  }
  return out;
}

/** Every difference between two configuration snapshots, by path, in path order. */
export function diffConfig(before: ConfigSnapshot, after: ConfigSnapshot): ConfigChange[] {
  const a = flatten(before);
  const b = flatten(after);
  const changes: ConfigChange[] = [];
  for (const path of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    if (!b.has(path)) changes.push({ path, change: "removed", before: a.get(path) });
    else if (!a.has(path)) changes.push({ path, change: "added", after: b.get(path) });
    else if (a.get(path) !== b.get(path)) changes.push({ path, change: "changed", before: a.get(path), after: b.get(path) });
  }
  return changes;
}
