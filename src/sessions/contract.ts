/**
 * The contract a Durable Object implements so Vaultline can back it up (docs/SESSIONS.md). Durable Objects cannot
 * be listed or read from outside, so each object registers itself, exports its own state in bounded pages and
 * imports a restored state atomically. The helpers below implement all three for any SQLite-backed object: its SQL
 * tables and its KV entries (ctx.storage.kv).
 *
 * This module is what a provider imports (`vaultline/session-contract`): it depends on nothing of Vaultline's but
 * value-codec.ts and repo/bytes.ts, so it bundles into the provider's Worker on its own.
 */
import { decodeValue, encodeValue } from "./value-codec";

/** The registry's default table name in the provider's database (the profile's `sessions.registry_table`). */
export const REGISTRY_TABLE = "durable_object_registry";

/**
 * The change feed's marks, in the provider's database: one row per object changed since Vaultline last shipped it
 * (docs/SESSIONS.md, "The change feed"). Internal (`_vaultline_`): database backups, capture and restores leave it out.
 */
export const MARKS_TABLE = "_vaultline_session_marks";

/** One row of a SQL table (its rowid, then its values as an SQL tuple) or one KV entry. */
export type StateEntry = { t: string; r: number; v: string } | { k: string; v: unknown };

export interface ExportPage {
  entries: StateEntry[];
  /** Where the next page starts; null when the object's state is complete. */
  cursor: string | null;
}

export interface ImportPage {
  restoreId: string;
  entries: StateEntry[];
  /** The last page: apply everything staged, atomically. */
  final: boolean;
  /** On the final page: leave out rows and entries whose expiry (see ExpiryColumns) is before this (ms since epoch). */
  skipExpiredBefore?: number;
}

/** The RPC methods an object exposes (its Durable Object class implements them with the helpers below). */
export interface BackupableObject {
  vaultlineExport(cursor: string | null, limit: number): Promise<ExportPage> | ExportPage;
  /** Deletes all of the object's state without touching the registry: how test restores clean their sandbox copies. */
  vaultlineDiscard(): Promise<void> | void;
  vaultlineImport(page: ImportPage): Promise<{ applied: number; skipped: number } | null> | { applied: number; skipped: number } | null;
}

/** An object that also takes part in the change feed (docs/SESSIONS.md, "The change feed"). */
export interface ShippableObject extends BackupableObject {
  /**
   * As vaultlineExport, but the first page (cursor null) clears the object's changed flag, so a write after it marks
   * the object again; expired rows and entries are left out.
   */
  vaultlineShip(cursor: string | null, limit: number): Promise<ExportPage> | ExportPage;
}

/** Per table, the column holding an expiry time in ms since epoch; for KV, a function reading it from a value. */
export interface ExpiryRules {
  columns: Record<string, string>;
  kv?: (key: string, value: unknown) => number | null;
}

const STAGE = "_vl_import_";
const STAGE_KV = `${STAGE}kv`;

function userTables(sql: SqlStorage): { name: string; columns: string[] }[] {
  const tables = sql
    .exec<{ name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name NOT LIKE '\\_vl\\_%' ESCAPE '\\' ORDER BY name",
    )
    .toArray();
  return tables.map((t) => ({
    name: t.name,
    columns: sql
      .exec<{ name: string }>(`SELECT name FROM pragma_table_info(?) ORDER BY cid`, t.name)
      .toArray()
      .map((c) => c.name),
  }));
}

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Exports up to `limit` entries after `cursor`: SQL tables by name then rowid, then KV keys in order. With
 * `liveAt` (ms since epoch), rows and KV entries whose expiry (ExpiryRules) is before it are left out.
 */
export function exportState(
  storage: DurableObjectStorage,
  cursor: string | null,
  limit: number,
  live?: { at: number; expiry: ExpiryRules },
): ExportPage {
  const pos = cursor ? (JSON.parse(cursor) as { t: number; r: number } | { k: string | null }) : { t: 0, r: 0 };
  const entries: StateEntry[] = [];
  if ("t" in pos) {
    const tables = userTables(storage.sql);
    for (let ti = pos.t, after = pos.r; ti < tables.length; ti++, after = 0) {
      const t = tables[ti]!;
      const tuple = t.columns.map((c) => `quote(${q(c)})`).join(" || ',' || ");
      const col = live ? live.expiry.columns[t.name] : undefined;
      const unexpired = live && col ? ` AND (${q(col)} IS NULL OR ${q(col)} >= ${Math.floor(live.at)})` : "";
      const rows = storage.sql
        .exec<{ r: number; v: string }>(
          `SELECT rowid AS r, ${tuple} AS v FROM ${q(t.name)} WHERE rowid > ?${unexpired} ORDER BY rowid LIMIT ?`,
          after,
          limit - entries.length,
        )
        .toArray();
      for (const row of rows) entries.push({ t: t.name, r: row.r, v: row.v });
      if (entries.length >= limit) return { entries, cursor: JSON.stringify({ t: ti, r: rows.at(-1)!.r }) };
    }
  }
  let last = "k" in pos ? pos.k : null;
  const want = limit - entries.length;
  const batch = [...storage.kv.list({ ...(last !== null ? { startAfter: last } : {}), limit: want + 1 })];
  for (const [k, v] of batch) {
    if (entries.length >= limit) return { entries, cursor: JSON.stringify({ k: last }) };
    last = k;
    if (k.startsWith("_vl_")) continue; // Vaultline's own bookkeeping
    const expires = live ? (live.expiry.kv?.(k, v) ?? null) : null;
    if (expires !== null && expires < live!.at) continue;
    entries.push({ k, v: encodeValue(v, `kv[${k}]`) });
  }
  return { entries, cursor: batch.length > want ? JSON.stringify({ k: last }) : null };
}

/**
 * Stages a page of restored state; on the final page replaces the object's whole state with what was staged, in
 * one transaction (SQL tables and KV together), leaving out what has expired when asked. A new restoreId discards
 * whatever an earlier, unfinished import staged.
 */
export function importState(
  storage: DurableObjectStorage,
  page: ImportPage,
  expiry: ExpiryRules,
): { applied: number; skipped: number } | null {
  const sql = storage.sql;
  const tables = userTables(sql);
  return storage.transactionSync(() => {
    const marker = storage.kv.get<string>("_vl_import_id");
    if (marker !== page.restoreId) {
      for (const t of sql
        .exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '\\_vl\\_import\\_%' ESCAPE '\\'`)
        .toArray())
        sql.exec(`DROP TABLE ${q(t.name)}`);
      for (const t of tables) sql.exec(`CREATE TABLE ${q(STAGE + t.name)} (_vl_rowid INTEGER PRIMARY KEY, ${t.columns.map(q).join(", ")})`);
      sql.exec(`CREATE TABLE ${q(STAGE_KV)} (k TEXT PRIMARY KEY, v TEXT NOT NULL)`);
      storage.kv.put("_vl_import_id", page.restoreId);
    }
    for (const e of page.entries) {
      if ("t" in e) {
        if (!tables.some((t) => t.name === e.t)) throw new Error(`restored state has table ${e.t}, which this object does not define`);
        sql.exec(`INSERT OR REPLACE INTO ${q(STAGE + e.t)} VALUES (${e.r}, ${e.v})`);
      } else sql.exec(`INSERT OR REPLACE INTO ${q(STAGE_KV)} VALUES (?, ?)`, e.k, JSON.stringify(e.v));
    }
    if (!page.final) return null;

    let applied = 0;
    let skipped = 0;
    const now = page.skipExpiredBefore;
    for (const t of tables) {
      const staged = q(STAGE + t.name);
      const col = expiry.columns[t.name];
      const keep = now !== undefined && col ? `WHERE ${q(col)} IS NULL OR ${q(col)} >= ${Math.floor(now)}` : "";
      sql.exec(`DELETE FROM ${q(t.name)}`);
      const total = sql.exec<{ n: number }>(`SELECT count(*) AS n FROM ${staged}`).one().n;
      sql.exec(`INSERT INTO ${q(t.name)} (rowid, ${t.columns.map(q).join(", ")}) SELECT * FROM ${staged} ${keep}`);
      const kept = sql.exec<{ n: number }>(`SELECT count(*) AS n FROM ${staged} ${keep}`).one().n;
      applied += kept;
      skipped += total - kept;
      sql.exec(`DROP TABLE ${staged}`);
    }
    for (const [k] of [...storage.kv.list()]) if (!k.startsWith("_vl_")) storage.kv.delete(k);
    for (const row of sql.exec<{ k: string; v: string }>(`SELECT k, v FROM ${q(STAGE_KV)}`).toArray()) {
      const value = decodeValue(JSON.parse(row.v));
      const expires = now !== undefined ? (expiry.kv?.(row.k, value) ?? null) : null;
      if (expires !== null && now !== undefined && expires < now) {
        skipped++;
        continue;
      }
      storage.kv.put(row.k, value);
      applied++;
    }
    sql.exec(`DROP TABLE ${q(STAGE_KV)}`);
    storage.kv.delete("_vl_import_id");
    return { applied, skipped };
  });
}

const quoteName = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Objects call this when they first hold state: the registry is how a backup finds them. Idempotent; creates the
 * registry table when the provider has none yet, so a provider adds no migration of its own.
 */
export async function registerObject(db: D1Database, namespace: string, name: string, table = REGISTRY_TABLE): Promise<void> {
  await db.batch([
    db.prepare(
      `CREATE TABLE IF NOT EXISTS ${quoteName(table)} (namespace TEXT NOT NULL, name TEXT NOT NULL, registered_at INTEGER NOT NULL, PRIMARY KEY (namespace, name)) WITHOUT ROWID`,
    ),
    db
      .prepare(`INSERT OR IGNORE INTO ${quoteName(table)} (namespace, name, registered_at) VALUES (?, ?, ?)`)
      .bind(namespace, name, Date.now()),
  ]);
}

/**
 * Marks objects changed for the change feed (MARKS_TABLE, created on first use like the registry). Each mark gets a
 * new token: Vaultline removes a mark after shipping only if it still holds the token it read, so a mark made while
 * it shipped survives until the next run.
 */
export async function markChanged(db: D1Database, namespace: string, names: string[]): Promise<void> {
  const now = Date.now();
  await db.batch([
    db.prepare(
      `CREATE TABLE IF NOT EXISTS ${quoteName(MARKS_TABLE)} (namespace TEXT NOT NULL, name TEXT NOT NULL, token TEXT NOT NULL, changed_at INTEGER NOT NULL, PRIMARY KEY (namespace, name)) WITHOUT ROWID`,
    ),
    ...names.map((name) =>
      db
        .prepare(
          `INSERT INTO ${quoteName(MARKS_TABLE)} (namespace, name, token, changed_at) VALUES (?, ?, ?, ?) ON CONFLICT (namespace, name) DO UPDATE SET token = excluded.token, changed_at = excluded.changed_at`,
        )
        .bind(namespace, name, crypto.randomUUID(), now),
    ),
  ]);
}

/** Objects call this when they delete all their state, so the registry holds only objects that exist. */
export async function unregisterObject(db: D1Database, namespace: string, name: string, table = REGISTRY_TABLE): Promise<void> {
  await db
    .prepare(`DELETE FROM ${quoteName(table)} WHERE namespace = ? AND name = ?`)
    .bind(namespace, name)
    .run();
}

/**
 * The object's changed flag (KV): set from its first write after a ship until the next ship reads it. MARKING while
 * the mark is being written, then the time it landed.
 */
const DIRTY = "_vl_changed";
const MARKING = 1;
/**
 * A mark older than this is written again by the next write: if the marks table lost it (the provider's database put
 * back to an earlier state, say), the object is shipped again within a minute of its next write instead of never.
 */
export const REMARK_AFTER_MS = 60_000;

/**
 * Everything an object needs, in one place: a provider's Durable Object class makes one in its constructor, calls
 * `register(name)` before it first writes, `changed(name)` after each write, `forget(name)` when it deletes all its
 * state, and forwards the four contract methods (docs/SESSIONS.md has the whole example).
 */
export class VaultlineSessions {
  /** A mark being written: later writes wait for it, so no write returns before its object is marked. */
  private marking: Promise<void> | null = null;

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly opts: { namespace: string; registry: D1Database; registryTable?: string; expiry?: ExpiryRules },
  ) {}

  /**
   * Call after every write (awaited, before answering): the change feed ships the object within a minute. Only the
   * first write after a ship costs a D1 write (the mark), and one a minute after that; other writes find the flag set
   * and cost nothing. On failure the flag is cleared and the error thrown, so the next write tries again.
   */
  async changed(name: string): Promise<void> {
    const flag = this.storage.kv.get<number>(DIRTY);
    if (typeof flag === "number" && flag > MARKING && Date.now() - flag < REMARK_AFTER_MS) return;
    if (flag === MARKING && this.marking) return this.marking;
    // Unmarked, marked a while ago, or a mark this instance never saw land (the object restarted mid-way): mark (again).
    this.storage.kv.put(DIRTY, MARKING);
    const mark = markChanged(this.opts.registry, this.opts.namespace, [name]).then(
      () => {
        // A ship may have cleared the flag meanwhile (it read this write): then it stays clear.
        if (this.storage.kv.get(DIRTY) === MARKING) this.storage.kv.put(DIRTY, Date.now());
      },
      (e: unknown) => {
        this.storage.kv.delete(DIRTY);
        throw e;
      },
    );
    this.marking = mark;
    try {
      await mark;
    } finally {
      if (this.marking === mark) this.marking = null;
    }
  }

  /** Registers the object once (remembered in its own storage); cheap to call before every write. */
  async register(name: string): Promise<void> {
    if (this.storage.kv.get("_vl_registered")) return;
    await registerObject(this.opts.registry, this.opts.namespace, name, this.opts.registryTable);
    this.storage.kv.put("_vl_registered", true);
  }

  /** Leaves the registry and deletes all of the object's state; the change feed ships its deletion. */
  async forget(name: string): Promise<void> {
    await unregisterObject(this.opts.registry, this.opts.namespace, name, this.opts.registryTable);
    await this.storage.deleteAll();
    await markChanged(this.opts.registry, this.opts.namespace, [name]);
  }

  export(cursor: string | null, limit: number): ExportPage {
    return exportState(this.storage, cursor, limit);
  }

  /** The change feed's export (BackupableObject.vaultlineShip): the first page clears the changed flag. */
  ship(cursor: string | null, limit: number): ExportPage {
    if (cursor === null) this.storage.kv.delete(DIRTY);
    return exportState(this.storage, cursor, limit, { at: Date.now(), expiry: this.opts.expiry ?? { columns: {} } });
  }

  async discard(): Promise<void> {
    await this.storage.deleteAll();
  }

  import(page: ImportPage): { applied: number; skipped: number } | null {
    return importState(this.storage, page, this.opts.expiry ?? { columns: {} });
  }
}
