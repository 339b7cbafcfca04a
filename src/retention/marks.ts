import { parseAnyManifest } from "../catalog/facts";
import type { Env } from "../env";
import { Layout } from "../repo/layout";
import type { Repository } from "../repo/repository";
import { chunkRefs } from "./references";

/** Manifests one mark step reads. */
export const MARK_MANIFESTS_PER_STEP = 20;

/**
 * Mark phase: every manifest in the bucket (the backups that exist, whatever the catalog says) adds the chunks it
 * references to `prune_marks` for this run. One page of manifests a call; `cursor` continues the listing.
 */
export async function markPage(
  env: Env,
  repo: Repository,
  runId: string,
  cursor: string | undefined,
  iaAfterDays: number | undefined,
): Promise<{ cursor: string | null; manifests: number; refs: number }> {
  const page = await env.BACKUP_BUCKET.list({ prefix: Layout.manifestPrefix, cursor, limit: MARK_MANIFESTS_PER_STEP });
  const ids = page.objects.map((o) => o.key.slice(Layout.manifestPrefix.length));
  const cold = await coldBackups(env.CATALOG_DB, ids, iaAfterDays);
  let refs = 0;
  for (const id of ids) {
    const manifest = parseAnyManifest(await repo.getManifestJson(id));
    const hot = !cold.has(id);
    let batch: string[] = [];
    const flush = async () => {
      if (batch.length) await insertMarks(env.CATALOG_DB, runId, batch, hot);
      refs += batch.length;
      batch = [];
    };
    for await (const chunk of chunkRefs(repo, manifest)) {
      batch.push(chunk);
      if (batch.length >= 2000) await flush();
    }
    await flush();
  }
  return { cursor: page.truncated ? page.cursor : null, manifests: page.objects.length, refs };
}

/**
 * Backups whose chunks may go to InfrequentAccess: monthly archives (and their components), and backups completed
 * more than `iaAfterDays` ago. A backup the catalog does not know (yet) counts as hot: Standard is the safe default.
 */
async function coldBackups(db: D1Database, ids: string[], iaAfterDays: number | undefined): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const cutoff = iaAfterDays === undefined ? "" : new Date(Date.now() - iaAfterDays * 86_400_000).toISOString();
  const { results } = await db
    .prepare(
      `SELECT b.id FROM backups b LEFT JOIN backups p ON p.id = b.parent_id
       WHERE b.id IN (${ids.map(() => "?").join(", ")}) AND (COALESCE(p.type, b.type) = 'monthly_archive' OR (? != '' AND b.completed_at < ?))`,
    )
    .bind(...ids, cutoff, cutoff)
    .all<{ id: string }>();
  return new Set(results.map((r) => r.id));
}

async function insertMarks(db: D1Database, runId: string, ids: string[], hot: boolean): Promise<void> {
  const stmts: D1PreparedStatement[] = [];
  for (let i = 0; i < ids.length; i += 33) {
    const part = ids.slice(i, i + 33); // three bound parameters each, under D1's 100
    stmts.push(
      db
        .prepare(`INSERT INTO prune_marks (run_id, chunk_id, hot) VALUES ${part.map(() => "(?, ?, ?)").join(", ")} ON CONFLICT (run_id, chunk_id) DO UPDATE SET hot = max(hot, excluded.hot)`)
        .bind(...part.flatMap((id) => [runId, id, hot ? 1 : 0])),
    );
  }
  await db.batch(stmts);
}

/** Which of `ids` this run marked, each with whether a hot backup references it. */
export async function marked(db: D1Database, runId: string, ids: string[]): Promise<Map<string, boolean>> {
  const found = new Map<string, boolean>();
  for (let i = 0; i < ids.length; i += 98) {
    const part = ids.slice(i, i + 98);
    const { results } = await db.prepare(`SELECT chunk_id, hot FROM prune_marks WHERE run_id = ? AND chunk_id IN (${part.map(() => "?").join(", ")})`).bind(runId, ...part).all<{ chunk_id: string; hot: number }>();
    for (const r of results) found.set(r.chunk_id, r.hot === 1);
  }
  return found;
}

export async function clearMarks(db: D1Database, runId: string): Promise<void> {
  await db.prepare(`DELETE FROM prune_marks WHERE run_id = ?`).bind(runId).run();
}
