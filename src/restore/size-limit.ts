import type { DatabaseManifest } from "../../schemas/manifest";
import type { Env } from "../env";
import { VaultlineError } from "../errors";
import type { RestoreScope } from "./scope";

/**
 * D1 holds at most 10 GB a database (docs/OPERATIONS.md). A database restore stages the backup's rows in the target
 * and copies them into the restored tables before the replaced ones are dropped, so at its peak the target holds
 * what it holds now plus the restored rows twice. D1_SIZE_LIMIT_BYTES is the cap (lower it to simulate it locally,
 * where D1 does not enforce one).
 */
export const DEFAULT_D1_SIZE_LIMIT_BYTES = 10_000_000_000;

export function d1SizeLimit(env: Env): number {
  const n = Number(env.D1_SIZE_LIMIT_BYTES || DEFAULT_D1_SIZE_LIMIT_BYTES);
  return Number.isFinite(n) && n > 0 ? n : DEFAULT_D1_SIZE_LIMIT_BYTES;
}

/** How big a D1 database is now: D1 answers it with every query (`meta.size_after`). */
export async function databaseBytes(db: D1Database): Promise<number> {
  return (await db.prepare("SELECT 1").run()).meta.size_after ?? 0;
}

/** The row bytes a restore puts back: the whole backup, the named tables, or (one user's rows) next to nothing. */
export function restoredBytes(manifest: Pick<DatabaseManifest, "tables">, scope: RestoreScope): number {
  if (scope.kind === "user") return 0;
  const tables = scope.kind === "tables" ? manifest.tables.filter((t) => scope.tables.includes(t.name)) : manifest.tables;
  return tables.reduce((n, t) => n + t.raw_bytes, 0);
}

const mb = (n: number) => `${(n / 1e6).toFixed(0)} MB`;

/** A restore that would take its target past D1's cap: refused before anything runs, with the way that fits. */
export class OverDatabaseSizeError extends VaultlineError {
  constructor(target: string, now: number, restored: number, limit: number) {
    super(
      "exceeds_database_size_limit",
      `restoring ${mb(restored)} of rows into ${target}, which holds ${mb(now)}, needs about ${mb(now + 2 * restored)} at its peak (the staged copy and the restored tables, before the replaced ones are dropped); D1 allows ${mb(limit)} (D1_SIZE_LIMIT_BYTES). Restore it table by table into a fresh database instead (docs/runbooks/large-database.md)`,
      422,
      "database",
    );
    this.retryable = false;
  }
}

/** Refuses a restore whose peak would pass the cap. */
export async function checkRestoreFits(env: Env, target: string, restored: number): Promise<void> {
  if (restored === 0) return;
  const limit = d1SizeLimit(env);
  const now = await databaseBytes(env[target as keyof Env] as D1Database);
  if (now + 2 * restored > limit) throw new OverDatabaseSizeError(target, now, restored, limit);
}
