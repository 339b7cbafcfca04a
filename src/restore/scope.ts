import type { DatabaseManifest, TableInfo } from "../../schemas/manifest";
import { ident } from "../db/sql";
import { VaultlineError } from "../errors";
import { userRowColumns } from "../provider/check";
import type { RestoreScope } from "../../schemas/workflows";

/** What a database restore covers (schemas/workflows.ts): the whole database, named tables, or one user's rows. */
export type { RestoreScope };

export interface ScopedTable {
  /** Index in the manifest (and in staging names). */
  index: number;
  name: string;
  /** SQL condition on the table's columns selecting the rows in scope, with its bound values; null for the whole table. */
  predicate: { sql: string; binds: (string | number)[] } | null;
}

export class ScopeError extends VaultlineError {
  constructor(message: string) {
    super("scope_error", message, 409);
  }
}

/** Columns a scoped restore matches rows on: the declared primary key (or the rowid alias). */
export function keyColumnsForUpsert(t: TableInfo): string[] {
  if (t.mode === "pk" || !t.rowidColumn) return t.keyColumns;
  const declared = t.columns
    .filter((c) => c.pk > 0)
    .sort((a, b) => a.pk - b.pk)
    .map((c) => c.name);
  if (!declared.length) throw new ScopeError(`table ${t.name} has no primary key: restore it with a full restore`);
  return declared;
}

/**
 * Resolves a scope against the backup and the live target. A scoped restore replaces rows inside tables it does
 * not recreate, so every table in scope must be defined in the target exactly as in the backup.
 */
export async function resolveScope(target: D1Database, manifest: DatabaseManifest, scope: RestoreScope): Promise<ScopedTable[]> {
  const indexOf = (name: string) => manifest.tables.findIndex((t) => t.name === name);
  if (scope.kind === "full") return manifest.tables.map((t, index) => ({ index, name: t.name, predicate: null }));
  let scoped: ScopedTable[];
  if (scope.kind === "tables") {
    scoped = scope.tables.map((name) => {
      const index = indexOf(name);
      if (index < 0) throw new ScopeError(`table ${name} is not in backup ${manifest.backup_id}`);
      return { index, name, predicate: null };
    });
  } else {
    const u = scope.users;
    if (indexOf(u.table) < 0) throw new ScopeError(`backup ${manifest.backup_id} has no ${u.table} table`);
    // Only the backup's own tables: D1 refuses pragmas on its internal _cf_ tables.
    const owned = await userRowColumns(
      target,
      u,
      scope.exclude_tables,
      manifest.tables.map((t) => t.name),
    );
    const byTable = new Map<string, string[]>();
    for (const o of owned) byTable.set(o.table, [...(byTable.get(o.table) ?? []), o.column]);
    scoped = [];
    for (const [name, columns] of byTable) {
      const index = indexOf(name);
      if (index < 0) continue;
      const sql = columns.map((c) => `${ident(c)} = ?`).join(" OR ");
      scoped.push({ index, name, predicate: { sql, binds: columns.map(() => scope.user_id) } });
    }
  }
  for (const s of scoped) {
    const want = manifest.schema.objects.find((o) => o.type === "table" && o.name === s.name)!.sql;
    const have = await target.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?").bind(s.name).first<string>("sql");
    if (have !== want) {
      throw new ScopeError(
        `table ${s.name} is ${have ? "defined differently" : "missing"} in the target: a scoped restore needs the backup's definition; use a full restore`,
      );
    }
    keyColumnsForUpsert(manifest.schema.tables[s.index]!);
  }
  return scoped;
}
