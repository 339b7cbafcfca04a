import { parseAnyManifest } from "../catalog/manifest-facts";
import type { Env } from "../env";
import { VaultlineError } from "../errors";
import { Layout } from "../repo/layout";
import type { Repository } from "../repo/repository";
import { chunkRefs } from "./references";
import { backupStatusPage, pendingFossilCollections } from "../catalog/retention";
import { backupsBeingForgotten } from "../catalog/backups";

export const CHECK_MANIFESTS_PER_STEP = 20;
const MAX_LISTED = 50;

export interface CheckPage {
  cursor: string | null;
  manifests: number;
  refs: number;
  /** Chunks a manifest references that are in none of data/, cold/, fossils/: that backup would not restore. */
  missing: { backup_id: string; chunk: string }[];
  unreadable: { backup_id: string; error: string }[];
}

/**
 * One page of the repository check: each manifest is read through every check (digest, authentication, schema)
 * and each chunk it references must exist: in data/, in the InfrequentAccess tier (cold/), or as a fossil awaiting
 * phase two.
 */
export async function checkManifestPage(env: Env, repo: Repository, cursor: string | undefined): Promise<CheckPage> {
  const page = await env.BACKUP_BUCKET.list({ prefix: Layout.manifestPrefix, cursor, limit: CHECK_MANIFESTS_PER_STEP });
  const out: CheckPage = { cursor: page.truncated ? page.cursor : null, manifests: 0, refs: 0, missing: [], unreadable: [] };
  for (const o of page.objects) {
    const id = o.key.slice(Layout.manifestPrefix.length);
    try {
      const manifest = parseAnyManifest(await repo.getManifestJson(id));
      const seen = new Set<string>();
      for await (const chunk of chunkRefs(repo, manifest)) {
        if (seen.has(chunk)) continue;
        seen.add(chunk);
        out.refs++;
        const present =
          (await env.BACKUP_BUCKET.head(Layout.chunk(chunk))) ??
          (await env.BACKUP_BUCKET.head(Layout.cold(chunk))) ??
          (await env.BACKUP_BUCKET.head(Layout.fossil(chunk)));
        if (!present && out.missing.length < MAX_LISTED) out.missing.push({ backup_id: id, chunk });
      }
      out.manifests++;
    } catch (e) {
      if (out.unreadable.length < MAX_LISTED)
        out.unreadable.push({ backup_id: id, error: e instanceof VaultlineError || e instanceof Error ? e.message : String(e) });
    }
  }
  return out;
}

/** The catalog against the bucket: completed backups must have their manifest; forgotten ones must not. */
export async function checkCatalog(env: Env) {
  const db = env.CATALOG_DB;
  const withoutManifest: string[] = [];
  const stillThere: string[] = [];
  let last = "";
  for (;;) {
    const results = await backupStatusPage(db, last, 200);
    for (const r of results) {
      const exists = (await env.BACKUP_BUCKET.head(Layout.manifest(r.id))) !== null;
      if (r.status === "completed" && !exists && withoutManifest.length < MAX_LISTED) withoutManifest.push(r.id);
      if (r.status === "forgotten" && exists && stillThere.length < MAX_LISTED) stillThere.push(r.id);
    }
    if (results.length < 200) break;
    last = results[results.length - 1]!.id;
  }
  const interrupted = await backupsBeingForgotten(db, 50);
  const pending = await pendingFossilCollections(db);
  return {
    completed_without_manifest: withoutManifest,
    forgotten_with_manifest: stillThere,
    interrupted_forgets: interrupted,
    pending_fossil_collections: pending,
  };
}
