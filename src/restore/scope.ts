import type { DatabaseManifest, TableInfo } from "../../schemas/manifest";
import { ident } from "../db/sql";
import { VaultlineError } from "../errors";

/** What a database restore covers: the whole database, named tables, or one user's rows. */
export type RestoreScope = { kind: "full" } | { kind: "tables"; tables: string[] } | { kind: "user"; user_id: number };

/** The provider's user table and its key: a user-scoped restore takes this row and every row that references it. */
export const USER_TABLE = "users";

export interface ScopedTable {
  /** Index in the manifest (and in staging names). */
  index: number;
  name: string;
  /** SQL condition on the table's columns selecting the rows in scope; null for the whole table. */
  predicate: string | null;
}

export class ScopeError extends VaultlineError {
  constructor(message: string) {
    super("scope_error", message, 409);
  }
}

/** Columns a scoped restore matches rows on: the declared primary key (or the rowid alias). */
export function keyColumnsForUpsert(t: TableInfo): string[] {
  if (t.mode === "pk" || !t.rowidColumn) return t.keyColumns;
  const declared = t.columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
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
    const users = manifest.schema.tables.find((t) => t.name === USER_TABLE);
    if (!users) throw new ScopeError(`backup ${manifest.backup_id} has no ${USER_TABLE} table`);
    const key = keyColumnsForUpsert(users);
    if (key.length !== 1) throw new ScopeError(`${USER_TABLE} needs a single-column primary key for a user-scoped restore`);
    scoped = [{ index: indexOf(USER_TABLE), name: USER_TABLE, predicate: `${ident(key[0]!)} = ${scope.user_id}` }];
    // Only the backup's own tables: D1 refuses pragmas on its internal _cf_ tables.
    const { results } = await target
      .prepare(
        `SELECT m.name AS child, f."from" AS col FROM sqlite_master m, pragma_foreign_key_list(m.name) f
         WHERE m.type = 'table' AND m.name IN (SELECT value FROM json_each(?)) AND lower(f."table") = lower(?) AND m.name != ? ORDER BY m.name`,
      )
      .bind(JSON.stringify(manifest.tables.map((t) => t.name)), USER_TABLE, USER_TABLE)
      .all<{ child: string; col: string }>();
    const byChild = new Map<string, string[]>();
    for (const r of results) byChild.set(r.child, [...(byChild.get(r.child) ?? []), `${ident(r.col)} = ${scope.user_id}`]);
    for (const [child, conditions] of byChild) {
      const index = indexOf(child);
      if (index >= 0) scoped.push({ index, name: child, predicate: conditions.join(" OR ") });
    }
  }
  for (const s of scoped) {
    const want = manifest.schema.objects.find((o) => o.type === "table" && o.name === s.name)!.sql;
    const have = await target.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?").bind(s.name).first<string>("sql");
    if (have !== want) {
      throw new ScopeError(`table ${s.name} is ${have ? "defined differently" : "missing"} in the target: a scoped restore needs the backup's definition; use a full restore`);
    }
    keyColumnsForUpsert(manifest.schema.tables[s.index]!);
  }
  return scoped;
}
