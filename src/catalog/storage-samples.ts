/** Storage samples (`storage_samples`): objects and bytes per bucket area and tier, one set per sample instant. */
export type AreaSample = { area: string; tier: string; objects: number; bytes: number };

export async function insertStorageSamples(db: D1Database, at: string, areas: AreaSample[]): Promise<void> {
  if (!areas.length) return;
  await db.batch(
    areas.map((a) =>
      db
        .prepare(`INSERT OR REPLACE INTO storage_samples (at, component, tier, objects, bytes) VALUES (?, ?, ?, ?, ?)`)
        .bind(at, a.area, a.tier, a.objects, a.bytes),
    ),
  );
}

/** The newest sample, by area and tier (empty before the first). */
export async function latestStorageSample(db: D1Database): Promise<{ at: string | null; areas: AreaSample[] }> {
  const at = await db.prepare(`SELECT max(at) AS at FROM storage_samples`).first<string | null>("at");
  if (!at) return { at: null, areas: [] };
  const { results } = await db
    .prepare(`SELECT component AS area, tier, objects, bytes FROM storage_samples WHERE at = ? ORDER BY component, tier`)
    .bind(at)
    .all<AreaSample>();
  return { at, areas: results };
}

/** Objects in the bucket at the newest sample (0 before the first). */
export async function latestSampleObjects(db: D1Database): Promise<number> {
  return (
    (await db
      .prepare(`SELECT sum(objects) AS n FROM storage_samples WHERE at = (SELECT max(at) FROM storage_samples)`)
      .first<number | null>("n")) ?? 0
  );
}

/** Every sample's total, oldest first (the newest 365). */
export async function storageHistory(db: D1Database): Promise<{ at: string; bytes: number }[]> {
  const { results } = await db
    .prepare(`SELECT at, sum(bytes) AS bytes FROM storage_samples GROUP BY at ORDER BY at DESC LIMIT 365`)
    .all<{ at: string; bytes: number }>();
  return results.reverse();
}

/** Per component, what the kept backups hold: logical bytes, bytes they added, chunk references. */
export async function logicalBytesByComponent(db: D1Database) {
  const { results } = await db
    .prepare(
      `SELECT value AS component, count(DISTINCT b.id) AS backups, sum(b.raw_bytes) AS logical_bytes, sum(b.stored_bytes) AS added_bytes, sum(b.chunks) AS chunk_refs
       FROM backups b, json_each(b.components) WHERE b.status = 'completed' AND b.type NOT IN ('full_system', 'monthly_archive') GROUP BY value ORDER BY value`,
    )
    .all<{ component: string; backups: number; logical_bytes: number; added_bytes: number; chunk_refs: number }>();
  return results;
}
