import type { ComponentRestorePlan } from "./plan";
import { ident, isInternalName } from "../db/sql";
import type { Env } from "../env";

/** Counting objects in a target bucket stops here: enough to say "at least". */
const COUNT_CAP = 10_000;

export interface OverwriteSummary {
  component: string;
  backup_id: string;
  target: string;
  estimated_seconds: number;
  /** What the restore would replace in the target as it is now. */
  overwrites: Record<string, unknown>;
}

/**
 * What a restore would do, read-only: per component, the target and what in it would be replaced (tables and
 * their row counts, objects under the selection, session objects), and the time it would take.
 */
export async function describePlan(env: Env, plan: ComponentRestorePlan): Promise<OverwriteSummary> {
  const base = {
    component: plan.component,
    backup_id: plan.backup.id,
    target: plan.target_binding,
    estimated_seconds: Math.ceil(plan.estimated_seconds),
  };
  if (plan.component === "database") {
    const db = env[plan.target_binding as "OIDC_DB" | "RESTORE_TARGET_DB"];
    const scope = plan.params.scope as { kind: string; tables?: string[] } | undefined;
    const { results } = await db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all<{ name: string }>();
    let names = results.map((r) => r.name).filter((n) => !isInternalName(n));
    if (scope?.kind === "tables") names = names.filter((n) => scope.tables!.includes(n));
    const counts = names.length ? await db.batch(names.map((n) => db.prepare(`SELECT count(*) AS n FROM ${ident(n)}`))) : [];
    const tables = Object.fromEntries(names.map((n, i) => [n, (counts[i]!.results[0] as { n: number }).n]));
    return {
      ...base,
      overwrites: {
        mode: scope
          ? `scoped (${scope.kind}): only the rows in scope change`
          : "whole database: every table, index, trigger and view is replaced",
        tables,
        rows: Object.values(tables).reduce((a, b) => a + b, 0),
        ...(plan.params.replay ? { replays_change_log: plan.params.replay } : {}),
      },
    };
  }
  if (plan.component === "assets") {
    const bucket = env[plan.target_binding as "ASSETS_BUCKET" | "RESTORE_TARGET_BUCKET"];
    const filter = plan.params.filter as { prefix?: string; key?: string };
    let objects = 0;
    let cursor: string | undefined;
    do {
      const page = await bucket.list({ prefix: filter.key ?? filter.prefix, cursor, limit: 1000 });
      objects += filter.key !== undefined ? page.objects.filter((o) => o.key === filter.key).length : page.objects.length;
      cursor = page.truncated && objects < COUNT_CAP ? page.cursor : undefined;
    } while (cursor);
    return {
      ...base,
      overwrites: {
        selection: filter,
        existing_objects_in_selection: objects >= COUNT_CAP ? `at least ${COUNT_CAP}` : objects,
        note: "objects the backup holds are written; others are left alone",
      },
    };
  }
  return {
    ...base,
    overwrites: {
      objects: (plan.params.objects as string[] | undefined) ?? "every object in the backup",
      name_prefix: plan.params.name_prefix,
      note: "each object's state is replaced atomically by the backup's",
    },
  };
}
