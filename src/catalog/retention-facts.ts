import type { BackupFacts } from "../../schemas/retention";

/**
 * Every backup the policy decides on, from the catalog (forgotten ones excluded), with what is reading it now: a
 * running restore or test restore of a backup (or of its parent system backup) keeps it.
 */
export async function loadBackupFacts(db: D1Database): Promise<BackupFacts[]> {
  const { results } = await db
    .prepare(
      `SELECT b.id, b.type, b.components, b.status, COALESCE(b.completed_at, b.created_at) AS at, b.parent_id, b.base_backup_id,
         EXISTS (SELECT 1 FROM restores r WHERE r.backup_id IN (b.id, b.parent_id) AND r.status IN ('initiated', 'awaiting_approval', 'running'))
         OR EXISTS (SELECT 1 FROM test_restores t WHERE t.backup_id IN (b.id, b.parent_id) AND t.status = 'running') AS in_use
       FROM backups b WHERE b.status NOT IN ('forgetting', 'forgotten') ORDER BY b.id`,
    )
    .all<Omit<BackupFacts, "components" | "in_use"> & { components: string; in_use: number }>();
  return results.map((r) => ({ ...r, components: JSON.parse(r.components) as string[], in_use: r.in_use === 1 }));
}
