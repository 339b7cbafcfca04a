import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";

/**
 * The demo provider's live session store (one object per session shard). Minimal for now: the export/import
 * contract that lets Vaultline back these objects up arrives with the Durable Object backup work.
 */
export class SessionObject extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, user_id INTEGER NOT NULL, data TEXT NOT NULL, expires_at INTEGER NOT NULL)",
    );
  }

  putSession(id: string, userId: number, data: object, expiresAt: number): void {
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO sessions VALUES (?, ?, ?, ?)", id, userId, JSON.stringify(data), expiresAt);
  }

  getSession(id: string): { id: string; user_id: number; data: object; expires_at: number } | null {
    const row = this.ctx.storage.sql.exec<{ id: string; user_id: number; data: string; expires_at: number }>("SELECT * FROM sessions WHERE id = ?", id).toArray()[0];
    return row ? { ...row, data: JSON.parse(row.data) as object } : null;
  }
}
