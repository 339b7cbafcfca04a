// Restore and drill history as sealed catalog records (src/repo/catalog-records.ts): which ended rows are not sealed
// yet, marking them, and putting them back into an empty catalog. Column lists are fixed here: a record read from
// the bucket names only these columns, and every value is bound.

/** The restores columns a sealed record carries (everything but `sealed_at`). */
export const RESTORE_COLUMNS = [
  "id",
  "backup_id",
  "components",
  "target_environment",
  "target_binding",
  "status",
  "stage",
  "progress",
  "requested_by",
  "created_at",
  "started_at",
  "completed_at",
  "updated_at",
  "duration_ms",
  "rows",
  "error_code",
  "error",
  "restarts",
  "target_timestamp",
  "parent_id",
  "approval_expires_at",
  "gate_test_id",
  "safety_backups",
  "rollback_until",
  "selection",
  "scope",
] as const;

/** The test_restores columns a sealed record carries. */
export const TEST_RESTORE_COLUMNS = [
  "id",
  "backup_id",
  "status",
  "trigger",
  "requested_by",
  "created_at",
  "completed_at",
  "rto_ms",
  "cleanup_ms",
  "components",
  "checks",
  "error",
] as const;

export type HistoryTable = "restores" | "test_restores";
export type HistoryRow = Record<string, string | number | null>;

const ENDED: Record<HistoryTable, string> = {
  restores: `status IN ('completed', 'failed', 'rolled_back', 'cancelled')`,
  test_restores: `status IN ('passed', 'failed')`,
};
const COLUMNS: Record<HistoryTable, readonly string[]> = { restores: RESTORE_COLUMNS, test_restores: TEST_RESTORE_COLUMNS };
const quote = (c: string) => `"${c}"`;

/** Ended rows not sealed yet, oldest first, at most `limit` (bounded whatever the history's size). */
export async function unsealedHistory(db: D1Database, table: HistoryTable, limit: number): Promise<HistoryRow[]> {
  const { results } = await db
    .prepare(`SELECT ${COLUMNS[table].map(quote).join(", ")} FROM ${table} WHERE sealed_at IS NULL AND ${ENDED[table]} ORDER BY id LIMIT ?`)
    .bind(limit)
    .all<HistoryRow>();
  return results;
}

export async function markHistorySealed(db: D1Database, table: HistoryTable, id: string): Promise<void> {
  await db.prepare(`UPDATE ${table} SET sealed_at = ? WHERE id = ?`).bind(new Date().toISOString(), id).run();
}

/** Puts a sealed row back when the catalog lacks it (what the catalog has stays as it is). True when written. */
export async function insertHistoryRow(db: D1Database, table: HistoryTable, row: HistoryRow): Promise<boolean> {
  const cols = COLUMNS[table].filter((c) => c in row);
  const r = await db
    .prepare(
      `INSERT INTO ${table} (${[...cols, "sealed_at"].map(quote).join(", ")}) VALUES (${cols.map(() => "?").join(", ")}, ?) ON CONFLICT (id) DO NOTHING`,
    )
    .bind(...cols.map((c) => row[c] ?? null), new Date().toISOString())
    .run();
  return r.meta.changes > 0;
}
