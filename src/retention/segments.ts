import { CAPTURE_SOURCE } from "../capture/ship";
import type { Env } from "../env";
import { replicaOf } from "../replication/replica";

const PAGE = 500;

/**
 * Change-log segments no kept backup can use (docs/RETENTION.md): every entry of them is at or before the scan start
 * of the oldest kept base, so no restore replays them, and point-in-time coverage starts at that base anyway. Only
 * segments shipped before the retention floor go (bucket locks hold younger ones). Objects first, then their catalog
 * rows: a crash in between leaves rows for a range nothing restores, which the next run removes.
 */
export async function pruneSegments(env: Env, floorDays: number): Promise<{ deleted: number; bytes: number; before_seq: number | null }> {
  const db = env.CATALOG_DB;
  const oldest = await db.prepare(`SELECT min(seq_start) AS s FROM backups WHERE status = 'completed' AND seq_start IS NOT NULL`).first<number | null>("s");
  if (oldest === null) return { deleted: 0, bytes: 0, before_seq: null };
  const cutoff = new Date(Date.now() - floorDays * 86_400_000).toISOString();
  const { results } = await db
    .prepare(`SELECT first_seq, key, stored_bytes FROM change_segments WHERE source = ? AND last_seq <= ? AND shipped_at < ? ORDER BY first_seq LIMIT ?`)
    .bind(CAPTURE_SOURCE, oldest, cutoff, PAGE)
    .all<{ first_seq: number; key: string; stored_bytes: number }>();
  if (results.length === 0) return { deleted: 0, bytes: 0, before_seq: oldest };
  const keys = results.map((r) => r.key);
  await env.BACKUP_BUCKET.delete(keys);
  await replicaOf(env)?.delete(keys);
  await db.batch(results.map((r) => db.prepare(`DELETE FROM change_segments WHERE source = ? AND first_seq = ?`).bind(CAPTURE_SOURCE, r.first_seq)));
  return { deleted: results.length, bytes: results.reduce((n, r) => n + r.stored_bytes, 0), before_seq: oldest };
}
