import type { ProfileCheck, ProfileProblem, ProviderProfile } from "../../schemas/provider";
import { isInternalName } from "../db/sql";
import { VaultlineError } from "../errors";

/** A profile that names what the database lacks: refused before anything is written, naming each problem. */
export class ProfileMismatchError extends VaultlineError {
  constructor(readonly problems: ProfileProblem[]) {
    super(
      "provider_profile_mismatch",
      `the provider profile does not match the database: ${problems.map((p) => `${p.field}: ${p.message}`).join("; ")}`,
      422,
      problems[0]?.field,
    );
    this.details = { problems };
    this.retryable = false;
  }
}

/** How a user's rows are found: the part of the profile a one-user restore carries in its parameters. */
type UserRows = Pick<ProviderProfile["users"], "table" | "key" | "follow_foreign_keys" | "owned_by">;

interface Column {
  name: string;
  type: string;
  pk: number;
}

/** The declared type's affinity (SQLite's rules, section 3.1 of its datatype page), for the user key's type check. */
function affinity(declared: string): "integer" | "text" | "other" {
  const t = declared.toUpperCase();
  if (t.includes("INT")) return "integer";
  if (t.includes("CHAR") || t.includes("CLOB") || t.includes("TEXT")) return "text";
  return "other";
}

/**
 * Checks the profile against the live database: every table and column it names exists, the user key has the
 * declared type and identifies one row, and how a user's rows are found (in a restored copy, the excluded tables are
 * expected to be absent). A bounded number of small queries
 * (schema only, never data), whatever the database's size.
 */
export async function checkProfile(db: D1Database, profile: ProviderProfile, opts: { restoredCopy?: boolean } = {}): Promise<ProfileCheck> {
  const { results: master } = await db
    .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .all<{ name: string; sql: string }>();
  const names = master.map((t) => t.name).filter((n) => !isInternalName(n));
  const named = new Set<string>([
    profile.users.table,
    ...profile.users.owned_by.map((o) => o.table),
    ...profile.checks.references.flatMap((r) => [r.table, r.parent]),
  ]);
  const wanted = [...named].filter((t) => names.includes(t));
  const columns = new Map<string, Column[]>();
  if (wanted.length) {
    const { results } = await db
      .prepare("SELECT m.value AS t, c.name, c.type, c.pk FROM json_each(?) m, pragma_table_info(m.value) c ORDER BY m.value, c.cid")
      .bind(JSON.stringify(wanted))
      .all<Column & { t: string }>();
    for (const c of results) columns.set(c.t, [...(columns.get(c.t) ?? []), c]);
  }
  const problems: ProfileProblem[] = [];
  const table = (field: string, t: string) => {
    if (names.includes(t)) return true;
    problems.push({ field, message: `the database has no table "${t}"` });
    return false;
  };
  const column = (field: string, t: string, c: string) => {
    if (!names.includes(t)) return undefined;
    const col = columns.get(t)?.find((x) => x.name === c);
    if (!col) problems.push({ field, message: `table "${t}" has no column "${c}"` });
    return col;
  };

  const u = profile.users;
  if (table("users.table", u.table)) {
    const key = column("users.key", u.table, u.key);
    if (key) {
      const aff = affinity(key.type);
      if (aff !== u.key_type)
        problems.push({
          field: "users.key_type",
          message: `"${u.table}"."${u.key}" is declared ${key.type || "without a type"}, not ${u.key_type}`,
        });
      const cols = columns.get(u.table)!;
      const soleKey = key.pk > 0 && cols.filter((c) => c.pk > 0).length === 1;
      if (!soleKey) {
        const unique = await db
          .prepare(
            'SELECT 1 FROM pragma_index_list(?) l WHERE l."unique" = 1 AND (SELECT count(*) FROM pragma_index_info(l.name)) = 1 AND (SELECT name FROM pragma_index_info(l.name)) = ?',
          )
          .bind(u.table, u.key)
          .first();
        if (!unique)
          problems.push({
            field: "users.key",
            message: `"${u.table}"."${u.key}" is neither the table's single-column primary key nor UNIQUE`,
          });
      }
    }
  }
  u.owned_by.forEach((o, i) => {
    if (table(`users.owned_by[${i}].table`, o.table)) column(`users.owned_by[${i}].column`, o.table, o.column);
  });
  // A restored copy has none of the excluded tables: backups leave them out.
  if (!opts.restoredCopy) {
    profile.database.exclude_tables.forEach((t, i) => {
      table(`database.exclude_tables[${i}]`, t);
    });
  }
  if (profile.database.exclude_tables.includes(u.table))
    problems.push({ field: "database.exclude_tables", message: `the user table "${u.table}" cannot be left out of backups` });
  profile.checks.references.forEach((r, i) => {
    if (table(`checks.references[${i}].table`, r.table)) column(`checks.references[${i}].column`, r.table, r.column);
    if (table(`checks.references[${i}].parent`, r.parent)) column(`checks.references[${i}].key`, r.parent, r.key);
  });
  const userRows = problems.length ? [] : await userRowColumns(db, profile.users, profile.database.exclude_tables, names);
  return {
    provider: profile.name,
    ok: problems.length === 0,
    problems,
    tables: names.filter((n) => !profile.database.exclude_tables.includes(n)),
    user_rows: userRows,
  };
}

/** Throws ProfileMismatchError when the profile names what the database lacks. */
export async function assertProfileMatches(db: D1Database, profile: ProviderProfile): Promise<ProfileCheck> {
  const check = await checkProfile(db, profile);
  if (!check.ok) throw new ProfileMismatchError(check.problems);
  return check;
}

/**
 * Where a user's rows are: the user table's key, every column with a declared foreign key to the user table (when
 * followed), and the profile's own (table, column) pairs. Excluded tables are left out.
 */
export async function userRowColumns(
  db: D1Database,
  u: UserRows,
  exclude: string[],
  tables: string[],
): Promise<{ table: string; column: string }[]> {
  const out = [{ table: u.table, column: u.key }];
  if (u.follow_foreign_keys) {
    const { results } = await db
      .prepare(
        `SELECT m.value AS child, f."from" AS col FROM json_each(?) m, pragma_foreign_key_list(m.value) f
         WHERE lower(f."table") = lower(?) AND (f."to" IS NULL OR f."to" = ?) AND m.value != ? ORDER BY m.value, f.id`,
      )
      .bind(JSON.stringify(tables), u.table, u.key, u.table)
      .all<{ child: string; col: string }>();
    for (const r of results) out.push({ table: r.child, column: r.col });
  }
  for (const o of u.owned_by) out.push(o);
  const seen = new Set<string>();
  return out.filter((o) => {
    const k = `${o.table}\u0000${o.column}`;
    if (seen.has(k) || exclude.includes(o.table)) return false;
    seen.add(k);
    return true;
  });
}
