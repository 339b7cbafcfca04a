import { DurableObject } from "cloudflare:workers";
import { type ExportPage, type ImportPage, VaultlineSessions } from "../../../src/sessions/contract";

export interface AuthEnv {
  DB: D1Database;
  UPLOADS: R2Bucket;
  SESSION_STORE: DurableObjectNamespace<SessionStore>;
}

/**
 * One user's live sessions, keyed by token, with an expiry: this provider's session Durable Object. Everything it
 * does for Vaultline is the lines that involve `this.vaultline` (docs/SESSIONS.md).
 */
export class SessionStore extends DurableObject<AuthEnv> {
  private readonly vaultline: VaultlineSessions;

  constructor(ctx: DurableObjectState, env: AuthEnv) {
    super(ctx, env);
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS live ("token" TEXT PRIMARY KEY, "userId" TEXT NOT NULL, "device" TEXT, "expires" INTEGER NOT NULL)`,
    );
    this.vaultline = new VaultlineSessions(ctx.storage, {
      namespace: "auth-sessions",
      registry: env.DB,
      registryTable: "vaultline_session_registry",
      expiry: { columns: { live: "expires" } },
    });
  }

  async open(name: string, s: { token: string; userId: string; device: string | null; expires: number }): Promise<void> {
    await this.vaultline.register(name);
    this.ctx.storage.sql.exec(`INSERT OR REPLACE INTO live VALUES (?, ?, ?, ?)`, s.token, s.userId, s.device, s.expires);
    this.ctx.storage.kv.put("lastSeen", { at: s.expires - 3_600_000, device: s.device });
    await this.vaultline.changed(name); // the change feed ships this object within a minute
  }

  list(): { token: string; userId: string; device: string | null; expires: number }[] {
    return this.ctx.storage.sql
      .exec<{ token: string; userId: string; device: string | null; expires: number }>(`SELECT * FROM live ORDER BY rowid`)
      .toArray();
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
