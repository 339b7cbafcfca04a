/**
 * What health (src/health/health.ts) reads from the catalog: each a bounded query (aggregates, or at most 20 rows).
 * Times are ISO strings as the catalog stores them.
 */
export async function backupOutcomesSince(db: D1Database, since: string): Promise<{ ok: number; failed: number }> {
  const r = await db
    .prepare(
      `SELECT sum(status = 'completed' OR status IN ('forgetting', 'forgotten')) AS ok, sum(status = 'failed') AS failed FROM backups WHERE parent_id IS NULL AND created_at >= ?`,
    )
    .bind(since)
    .first<{ ok: number | null; failed: number | null }>();
  return { ok: r?.ok ?? 0, failed: r?.failed ?? 0 };
}

export async function lastCompletedOfType(db: D1Database, type: string): Promise<string | null> {
  return db
    .prepare(`SELECT max(completed_at) AS at FROM backups WHERE type = ? AND status = 'completed'`)
    .bind(type)
    .first<string | null>("at");
}

export async function lastCompletedHolding(db: D1Database, component: string): Promise<string | null> {
  return db
    .prepare(
      `SELECT max(completed_at) AS at FROM backups b WHERE status = 'completed' AND EXISTS (SELECT 1 FROM json_each(b.components) WHERE value = ?)`,
    )
    .bind(component)
    .first<string | null>("at");
}

export async function latestStorageTotal(db: D1Database): Promise<{ bytes: number | null; at: string | null } | null> {
  return db
    .prepare(`SELECT sum(bytes) AS bytes, max(at) AS at FROM storage_samples WHERE at = (SELECT max(at) FROM storage_samples)`)
    .first<{ bytes: number | null; at: string | null }>();
}

export async function lastRetentionRun(db: D1Database) {
  return db
    .prepare(`SELECT id, status, started_at, completed_at, error FROM retention_runs ORDER BY started_at DESC LIMIT 1`)
    .first<{ status: string; started_at: string; error: string | null }>();
}

export async function interruptedForgets(db: D1Database): Promise<number> {
  return (await db.prepare(`SELECT count(*) AS n FROM backups WHERE status = 'forgetting'`).first<number>("n")) ?? 0;
}

export async function failedSince(db: D1Database, since: string) {
  return {
    backups: (
      await db
        .prepare(`SELECT id, type, error_code FROM backups WHERE status = 'failed' AND created_at >= ? ORDER BY created_at DESC LIMIT 20`)
        .bind(since)
        .all()
    ).results,
    restores: (
      await db
        .prepare(`SELECT id, error_code FROM restores WHERE status = 'failed' AND created_at >= ? ORDER BY created_at DESC LIMIT 20`)
        .bind(since)
        .all()
    ).results,
  };
}

/** Backups and restores still initiated or running that have not moved since `before`. */
export async function stuckSince(db: D1Database, before: string) {
  return (
    await db
      .prepare(
        `SELECT id, type, updated_at FROM backups WHERE status IN ('initiated', 'running') AND updated_at < ? UNION ALL SELECT id, 'restore', updated_at FROM restores WHERE status IN ('initiated', 'running') AND updated_at < ? LIMIT 20`,
      )
      .bind(before, before)
      .all()
  ).results;
}

/** Production restores waiting for a decision, with what each would overwrite (the approver sees it before deciding). */
export async function awaitingApproval(db: D1Database) {
  const { results } = await db
    .prepare(`SELECT id, approval_expires_at, requested_by, selection FROM restores WHERE status = 'awaiting_approval' LIMIT 100`)
    .all<{ id: string; approval_expires_at: string | null; requested_by: string; selection: string | null }>();
  return results.map((r) => ({ ...r, selection: r.selection ? (JSON.parse(r.selection) as unknown[]) : null }));
}

export async function lastPassingDrill(db: D1Database): Promise<string | null> {
  return db.prepare(`SELECT max(completed_at) AS at FROM test_restores WHERE status = 'passed'`).first<string | null>("at");
}

export async function replicationHealth(db: D1Database) {
  const last = await db
    .prepare(`SELECT status, completed_at, lag_seconds FROM replication_runs ORDER BY started_at DESC LIMIT 1`)
    .first<{ status: string; lag_seconds: number | null }>();
  const failed = (await db.prepare(`SELECT count(*) AS n FROM backups WHERE replica_status = 'failed'`).first<number>("n")) ?? 0;
  return { last, failed };
}

/** When this catalog was created (its first migration applied), ms; null when the migrations table is not there. */
export async function catalogCreatedAt(db: D1Database): Promise<number | null> {
  try {
    const at = await db.prepare(`SELECT min(applied_at) AS at FROM d1_migrations`).first<string | null>("at");
    return at ? Date.parse(`${at.replace(" ", "T")}${/[zZ]|[+-]\d\d:?\d\d$/.test(at) ? "" : "Z"}`) : null;
  } catch {
    return null;
  }
}
