import { DurableObject } from "cloudflare:workers";
import { type ExportPage, type ImportPage, VaultlineSessions } from "../../../src/sessions/contract";
import type { DemoEnv } from "./env";

/** The namespace name objects of this class register under (the provider profile's `sessions.namespace`). */
export const SESSIONS_NAMESPACE = "SESSIONS";

/**
 * The demo provider's session shard: live sessions, authorization codes and token state, each with an expiry
 * (ms since epoch), in SQL tables, plus a little KV metadata. It takes part in Vaultline's backups through the
 * session contract (src/sessions/contract.ts): it registers in OIDC_DB when it first holds state, marks itself
 * changed after each write (the change feed), and forwards the four contract methods.
 */
export class SessionObject extends DurableObject<DemoEnv> {
  private readonly vaultline: VaultlineSessions;

  constructor(ctx: DurableObjectState, env: DemoEnv) {
    super(ctx, env);
    ctx.storage.sql.exec(`
      CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, user_id INTEGER NOT NULL, data TEXT NOT NULL, expires_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS authorization_codes (code TEXT PRIMARY KEY, client_id TEXT NOT NULL, user_id INTEGER NOT NULL, pkce BLOB, expires_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS token_state (jti TEXT PRIMARY KEY, user_id INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0, expires_at INTEGER NOT NULL);
    `);
    this.vaultline = new VaultlineSessions(ctx.storage, {
      namespace: SESSIONS_NAMESPACE,
      registry: env.OIDC_DB,
      expiry: {
        columns: { sessions: "expires_at", authorization_codes: "expires_at", token_state: "expires_at" },
        kv: (_key, value) =>
          value && typeof value === "object" && "expires_at" in value ? Number((value as { expires_at: number }).expires_at) : null,
      },
    });
  }

  async putSession(name: string, s: { id: string; user_id: number; data: object; expires_at: number }): Promise<void> {
    await this.putSessionUncaptured(name, s);
    await this.vaultline.changed(name);
  }

  /** The same write as putSession without marking the object for the change feed: the benchmark's baseline only. */
  async putSessionUncaptured(name: string, s: { id: string; user_id: number; data: object; expires_at: number }): Promise<void> {
    await this.vaultline.register(name);
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO sessions VALUES (?, ?, ?, ?)", s.id, s.user_id, JSON.stringify(s.data), s.expires_at);
    const meta = this.ctx.storage.kv.get<{ created: Date; sessions_written: number }>("meta") ?? {
      created: new Date(),
      sessions_written: 0,
    };
    this.ctx.storage.kv.put("meta", { ...meta, sessions_written: meta.sessions_written + 1 });
  }

  /** Many sessions in one call and one transaction (seeding, bulk imports). */
  async putSessions(name: string, list: { id: string; user_id: number; data: object; expires_at: number }[]): Promise<void> {
    await this.vaultline.register(name);
    this.ctx.storage.transactionSync(() => {
      for (const s of list)
        this.ctx.storage.sql.exec(
          "INSERT OR REPLACE INTO sessions VALUES (?, ?, ?, ?)",
          s.id,
          s.user_id,
          JSON.stringify(s.data),
          s.expires_at,
        );
      const meta = this.ctx.storage.kv.get<{ created: Date; sessions_written: number }>("meta") ?? {
        created: new Date(),
        sessions_written: 0,
      };
      this.ctx.storage.kv.put("meta", { ...meta, sessions_written: meta.sessions_written + list.length });
    });
    await this.vaultline.changed(name);
  }

  async putCode(
    name: string,
    c: { code: string; client_id: string; user_id: number; pkce: Uint8Array | null; expires_at: number },
  ): Promise<void> {
    await this.vaultline.register(name);
    this.ctx.storage.sql.exec(
      "INSERT OR REPLACE INTO authorization_codes VALUES (?, ?, ?, ?, ?)",
      c.code,
      c.client_id,
      c.user_id,
      c.pkce,
      c.expires_at,
    );
    await this.vaultline.changed(name);
  }

  async putToken(name: string, t: { jti: string; user_id: number; revoked: boolean; expires_at: number }): Promise<void> {
    await this.vaultline.register(name);
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO token_state VALUES (?, ?, ?, ?)", t.jti, t.user_id, t.revoked ? 1 : 0, t.expires_at);
    await this.vaultline.changed(name);
  }

  /** Provider metadata in KV, any structured-clone value (a Map, say: what JSON cannot carry). */
  putMeta(key: string, value: unknown): void {
    this.ctx.storage.kv.put(key, value);
  }

  getSession(id: string): { id: string; user_id: number; data: object; expires_at: number } | null {
    const row = this.ctx.storage.sql
      .exec<{ id: string; user_id: number; data: string; expires_at: number }>("SELECT * FROM sessions WHERE id = ?", id)
      .toArray()[0];
    return row ? { ...row, data: JSON.parse(row.data) as object } : null;
  }

  /** Every table's rows (rowid and values) and every KV entry: what a restore must reproduce exactly. */
  dump(): { tables: Record<string, unknown[]>; kv: [string, unknown][] } {
    const tables: Record<string, unknown[]> = {};
    for (const t of ["sessions", "authorization_codes", "token_state"]) {
      tables[t] = this.ctx.storage.sql
        .exec(`SELECT rowid AS _rowid, *, typeof(expires_at) AS _t FROM ${t} ORDER BY rowid`)
        .toArray()
        .map((r) => ({ ...r }));
    }
    return { tables, kv: [...this.ctx.storage.kv.list()].filter(([k]) => !k.startsWith("_vl_")) };
  }

  /** Deletes all of this object's state and leaves the registry. */
  async forget(name: string): Promise<void> {
    await this.vaultline.forget(name);
  }

  vaultlineExport(cursor: string | null, limit: number): ExportPage {
    return this.vaultline.export(cursor, limit);
  }

  vaultlineShip(cursor: string | null, limit: number): ExportPage {
    return this.vaultline.ship(cursor, limit);
  }

  async vaultlineDiscard(): Promise<void> {
    await this.vaultline.discard();
  }

  vaultlineImport(page: ImportPage): { applied: number; skipped: number } | null {
    return this.vaultline.import(page);
  }
}
