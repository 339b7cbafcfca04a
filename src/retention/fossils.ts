import type { Env } from "../env";
import { Layout } from "../repo/layout";
import type { Repository } from "../repo/repository";
import { moveInReplica, replicaOf } from "../replication/replica";
import { marked, oldestPendingCollection } from "../catalog/retention";

/** Objects one sweep step lists. */
export const SWEEP_PAGE = 500;

/**
 * Phase one (docs/RETENTION.md): a page of `data/` or `cold/`; every chunk no manifest referenced at mark time, and uploaded
 * before the run began (so not one a running backup has just written), moves to `fossils/`. A backup that looks for
 * it from now on does not find it and stores it again; one that found it earlier is why phase two waits.
 */
export async function fossilizePage(
  env: Env,
  repo: Repository,
  runId: string,
  prefix: string,
  cursor: string | undefined,
  startedAt: string,
) {
  const page = await env.BACKUP_BUCKET.list({ prefix, cursor, limit: SWEEP_PAGE });
  const candidates = page.objects.filter((o) => o.uploaded.toISOString() < startedAt);
  const replica = replicaOf(env);
  const keep = await marked(
    env.CATALOG_DB,
    runId,
    candidates.map((o) => Layout.chunkIdOf(o.key)),
  );
  let fossilized = 0;
  let bytes = 0;
  for (const o of candidates) {
    const id = Layout.chunkIdOf(o.key);
    if (keep.has(id)) continue;
    bytes += await repo.moveObject(o.key, Layout.fossil(id));
    if (replica) await moveInReplica(replica, o.key, Layout.fossil(id));
    fossilized++;
  }
  return { cursor: page.truncated ? page.cursor : null, listed: page.objects.length, fossilized, bytes };
}

/**
 * Phase two: a page of `fossils/`; a fossil some manifest now references (a backup that was running during phase
 * one and found it) goes back to `data/`; every other one is deleted for good.
 */
export async function sweepFossilsPage(env: Env, repo: Repository, runId: string, cursor: string | undefined) {
  const page = await env.BACKUP_BUCKET.list({ prefix: Layout.fossilPrefix, cursor, limit: SWEEP_PAGE });
  const ids = page.objects.map((o) => Layout.chunkIdOf(o.key));
  const keep = await marked(env.CATALOG_DB, runId, ids);
  const replica = replicaOf(env);
  let deleted = 0;
  let resurrected = 0;
  let freed = 0;
  const gone: string[] = [];
  for (const o of page.objects) {
    const id = Layout.chunkIdOf(o.key);
    if (keep.has(id)) {
      // Back where readers and the dedup check look; if a backup already stored it again, the fossil just goes.
      if (!(await repo.hasChunk(id))) {
        await repo.moveObject(o.key, Layout.chunk(id));
        if (replica) await moveInReplica(replica, o.key, Layout.chunk(id));
      } else gone.push(o.key);
      resurrected++;
    } else {
      gone.push(o.key);
      deleted++;
      freed += o.size;
    }
  }
  if (gone.length) {
    await env.BACKUP_BUCKET.delete(gone);
    await replica?.delete(gone);
  }
  return { cursor: page.truncated ? page.cursor : null, deleted, resurrected, freed };
}

export interface PendingCollection {
  id: string;
  ended_at: string;
  /** Backups that were not finished when phase one ended and still are not: phase two waits for them. */
  waiting_for: string[];
}

/** The fossil collection waiting for phase two, if any, and what it still waits for. */
export async function pendingCollection(db: D1Database): Promise<PendingCollection | null> {
  return oldestPendingCollection(db);
}
