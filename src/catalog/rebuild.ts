
import type { Env } from "../env";
import { insertBackup, markBackupCompleted } from "./backups";
import { type CatalogFacts, catalogFacts, parseAnyManifest } from "./facts";
import { Layout } from "../repo/layout";
import { Repository } from "../repo/repository";

/**
 * Rebuilds the catalog's backup rows from the repository alone: every manifest is read, authenticated and
 * parsed, then upserted as a completed backup. Operational history (failed runs, audit) is not in the bucket.
 */
export async function rebuildCatalog(env: Env): Promise<{ manifests: number; inserted: number; updated: number; unreadable: string[] }> {
  const repo = await Repository.open(env.BACKUP_BUCKET, env.BACKUP_ENCRYPTION_KEY);
  const out = { manifests: 0, inserted: 0, updated: 0, unreadable: [] as string[] };
  for await (const id of repo.listManifestIds()) {
    out.manifests++;
    let m: CatalogFacts;
    try {
      m = catalogFacts(parseAnyManifest(await repo.getManifestJson(id)));
    } catch {
      out.unreadable.push(id);
      continue;
    }
    const existed = await env.CATALOG_DB.prepare("SELECT 1 FROM backups WHERE id = ?").bind(id).first();
    // The same two writes a live backup makes: its row, then its completion.
    await insertBackup(env.CATALOG_DB, { id, type: m.type, components: [m.component], description: m.description, requested_by: m.requested_by, trigger: "rebuilt" });
    await markBackupCompleted(env.CATALOG_DB, id, { ...m, manifest_key: Layout.manifest(id) });
    existed ? out.updated++ : out.inserted++;
  }
  return out;
}
