/** Backups and restores as running work (`backups`, `restores`): what the watchdog finds stale, restarts or closes. */
/** Work that has not moved since `before` and is still initiated or running: backups and restores, for the watchdog. */
export async function staleWork(db: D1Database, before: string) {
  return (
    await db
      .prepare(
        `SELECT 'backup' AS kind, id, type AS what, NULL AS target FROM backups WHERE status IN ('initiated', 'running') AND updated_at < ?
         UNION ALL SELECT 'restore' AS kind, id, json_extract(components, '$[0]') AS what, target_binding AS target FROM restores WHERE status IN ('initiated', 'running') AND updated_at < ?
         LIMIT 200`,
      )
      .bind(before, before)
      .all<{ kind: "backup" | "restore"; id: string; what: string; target: string | null }>()
  ).results;
}

export async function countRestart(db: D1Database, kind: "backup" | "restore", id: string, at: string): Promise<void> {
  await db
    .prepare(`UPDATE ${kind === "backup" ? "backups" : "restores"} SET restarts = restarts + 1, updated_at = ? WHERE id = ?`)
    .bind(at, id)
    .run();
}

/** A backup or restore whose instance ended without recording an outcome. */
export async function markWorkEnded(db: D1Database, kind: "backup" | "restore", id: string, status: string, at: string): Promise<void> {
  await db
    .prepare(
      `UPDATE ${kind === "backup" ? "backups" : "restores"} SET status = 'failed', error_code = ?, error = 'the workflow instance ended without recording an outcome', updated_at = ? WHERE id = ? AND status IN ('initiated', 'running')`,
    )
    .bind(`workflow_${status}`, at, id)
    .run();
}
