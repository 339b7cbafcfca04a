import type { Env } from "../env";
import { Layout } from "../repo/layout";
import type { Repository } from "../repo/repository";
import { moveInReplica, replicaOf } from "../replication/replica";
import { SWEEP_PAGE } from "./fossils";
import { marked } from "../catalog/retention";

/**
 * Storage tiers (docs/RETENTION.md): with this run's marks, a page of `data/` moves every chunk that only cold
 * backups reference (monthly archives, backups past `infrequent_access_after_days`) to `cold/` in R2's
 * InfrequentAccess class; a page of `cold/` drops a chunk a new backup stored again in `data/`, and brings back to
 * Standard one a hot backup references (after a policy change). Moves are copy, check, delete: never a gap.
 */
export async function tierPage(env: Env, repo: Repository, runId: string, prefix: string, cursor: string | undefined) {
  const page = await env.BACKUP_BUCKET.list({ prefix, cursor, limit: SWEEP_PAGE });
  const marks = await marked(
    env.CATALOG_DB,
    runId,
    page.objects.map((o) => Layout.chunkIdOf(o.key)),
  );
  let cooled = 0;
  let warmed = 0;
  let bytes = 0;
  const duplicates: string[] = [];
  const replica = replicaOf(env);
  for (const o of page.objects) {
    const id = Layout.chunkIdOf(o.key);
    const hot = marks.get(id);
    if (prefix === Layout.chunkPrefix) {
      if (hot !== false) continue;
      bytes += await repo.moveObject(o.key, Layout.cold(id), { storageClass: "InfrequentAccess" });
      if (replica) await moveInReplica(replica, o.key, Layout.cold(id), "InfrequentAccess");
      cooled++;
    } else if (await repo.hasChunk(id)) {
      duplicates.push(o.key);
    } else if (hot === true) {
      bytes += await repo.moveObject(o.key, Layout.chunk(id), { storageClass: "Standard" });
      if (replica) await moveInReplica(replica, o.key, Layout.chunk(id), "Standard");
      warmed++;
    }
  }
  if (duplicates.length) {
    await env.BACKUP_BUCKET.delete(duplicates);
    await replica?.delete(duplicates);
  }
  return { cursor: page.truncated ? page.cursor : null, cooled, warmed, bytes, duplicates: duplicates.length };
}
