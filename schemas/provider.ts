import { z } from "zod";

/**
 * The provider profile (docs/ADOPTING.md): what Vaultline knows of the provider it protects, read from the
 * PROVIDER_PROFILE var. Bindings keep their fixed names (OIDC_DB, SESSIONS, ASSETS_BUCKET) and point at the
 * provider's own resources in wrangler.jsonc; the profile says what is inside them.
 */

/** An SQLite identifier as the provider wrote it: any name D1 accepts, quoted wherever Vaultline uses it. */
const Name = z
  .string()
  .min(1)
  .max(128)
  .refine((s) => !s.includes("\0"), "must not contain NUL");

export const TableColumn = z.strictObject({ table: Name, column: Name });

/** A read-only query the drill runs in the sandbox; it passes when it returns at least one row. */
export const ProbeSql = z
  .string()
  .min(1)
  .max(10_000)
  .refine((s) => /^\s*(SELECT|WITH)\b/i.test(s), "must be one SELECT (or WITH ... SELECT) statement")
  .refine((s) => !/;\s*\S/.test(s), "must be a single statement");

export const ProviderProfile = z.strictObject({
  /** A name for people: reports and notes say which provider they are about. */
  name: z.string().min(1).max(100),
  database: z
    .strictObject({
      /** Tables left out of every backup (caches, rate-limit counters): a restore leaves them as they are. */
      exclude_tables: z.array(Name).max(1000).default([]),
    })
    .default({ exclude_tables: [] }),
  /** The user table: a one-user restore takes this row and every row that belongs to it. */
  users: z.strictObject({
    table: Name,
    /** The user table's key column (its single-column primary key or a UNIQUE column). */
    key: Name,
    /** The key's type: what `database.user_id` in a restore request must be. */
    key_type: z.enum(["integer", "text"]),
    /** Follow declared foreign keys to the user table (default), to find the rows a user owns. */
    follow_foreign_keys: z.boolean().default(true),
    /** More (table, column) pairs holding a user's key, for schemas that declare no foreign keys. */
    owned_by: z.array(TableColumn).max(200).default([]),
  }),
  /** What a drill checks in the restored sandbox, beyond the schema and row counts. */
  checks: z
    .strictObject({
      /** SQLite's foreign_key_check over the declared foreign keys. */
      foreign_keys: z.boolean().default(true),
      /** Undeclared references that must hold: every non-null `table.column` has a `parent.key`. */
      references: z
        .array(z.strictObject({ table: Name, column: Name, parent: Name, key: Name }))
        .max(200)
        .default([]),
      /** The provider's own probes: named queries that must return rows in a sound copy. */
      probes: z
        .array(z.strictObject({ name: z.string().min(1).max(200), sql: ProbeSql }))
        .max(50)
        .default([]),
    })
    .default({ foreign_keys: true, references: [], probes: [] }),
  /** The provider's session Durable Objects (bound as SESSIONS), if it has any. */
  sessions: z
    .strictObject({
      /** The namespace name its objects register under in the registry. */
      namespace: z.string().min(1).max(100),
      /** The registry table in the provider's database (the session contract creates it). */
      registry_table: Name.default("durable_object_registry"),
    })
    .nullable()
    .default(null),
});
export type ProviderProfile = z.infer<typeof ProviderProfile>;

/** What a check of the profile against the live database found wrong: each names the profile field and the object. */
export const ProfileProblem = z.strictObject({ field: z.string(), message: z.string() });
export type ProfileProblem = z.infer<typeof ProfileProblem>;

export const ProfileCheck = z.strictObject({
  provider: z.string(),
  ok: z.boolean(),
  problems: z.array(ProfileProblem),
  /** The tables a backup takes (every table less the excluded and Vaultline's own), and how a user's rows are found. */
  tables: z.array(z.string()),
  user_rows: z.array(TableColumn),
});
export type ProfileCheck = z.infer<typeof ProfileCheck>;
