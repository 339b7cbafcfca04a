import { parseAnyManifest } from "../catalog/facts";
import type { Env } from "../env";
import { Layout } from "../repo/layout";
import type { Repository } from "../repo/repository";
import { chunkRefs } from "./references";

/** Manifests one mark step reads. */
export const MARK_MANIFESTS_PER_STEP = 20;
const IDS_PER_INSERT = 49; // two bound parameters each, under D1's 100

/**
 * Mark phase: every manifest in the bucket (the backups that exist, whatever the catalog says) adds the chunks it
 * references to `prune_marks` for this run. One page of manifests a call; `cursor` continues the listing.
 */
export async function markPage(env: Env, repo: Repository, runId: string, cursor: string | undefined): Promise<{ cursor: string | null; manifests: number; refs: number }> {
  const page = await env.BACKUP_BUCKET.list({ prefix: Layout.manifestPrefix, cursor, limit: MARK_MANIFESTS_PER_STEP });
  let refs = 0;
  for (const o of page.objects) {
    const id = o.key.slice(Layout.manifestPrefix.length);
    const manifest = parseAnyManifest(await repo.getManifestJson(id));
    let batch: string[] = [];
    const flush = async () => {
      if (batch.length) await insertMarks(env.CATALOG_DB, runId, batch);
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

async function insertMarks(db: D1Database, runId: string, ids: string[]): Promise<void> {
  const stmts: D1PreparedStatement[] = [];
  for (let i = 0; i < ids.length; i += IDS_PER_INSERT) {
    const part = ids.slice(i, i + IDS_PER_INSERT);
    stmts.push(db.prepare(`INSERT OR IGNORE INTO prune_marks (run_id, chunk_id) VALUES ${part.map(() => "(?, ?)").join(", ")}`).bind(...part.flatMap((id) => [runId, id])));
  }
  await db.batch(stmts);
}

/** Which of `ids` this run marked. */
export async function marked(db: D1Database, runId: string, ids: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < ids.length; i += 98) {
    const part = ids.slice(i, i + 98);
    const { results } = await db.prepare(`SELECT chunk_id FROM prune_marks WHERE run_id = ? AND chunk_id IN (${part.map(() => "?").join(", ")})`).bind(runId, ...part).all<{ chunk_id: string }>();
    for (const r of results) found.add(r.chunk_id);
  }
  return found;
}

export async function clearMarks(db: D1Database, runId: string): Promise<void> {
  await db.prepare(`DELETE FROM prune_marks WHERE run_id = ?`).bind(runId).run();
}
