import { parseAnyManifest } from "../catalog/manifest-facts";
import type { Env } from "../env";
import { Layout } from "../repo/layout";
import type { Repository } from "../repo/repository";
import { chunkRefs } from "./references";
import { coldBackupIds, insertMarks } from "../catalog/retention";

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
  const cutoff = iaAfterDays === undefined ? "" : new Date(Date.now() - iaAfterDays * 86_400_000).toISOString();
  return new Set(await coldBackupIds(db, ids, cutoff));
}
