import { AssetManifest } from "../../schemas/assets";
import { ConfigManifest } from "../../schemas/config-manifest";
import { SessionManifest } from "../../schemas/sessions";
import { SystemManifest } from "../../schemas/system-manifest";
import { DatabaseManifest } from "../../schemas/manifest";
import type { Env } from "../env";
import { insertBackup, markBackupCompleted } from "./backups";
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
      m = catalogFacts(await repo.getManifestJson(id));
    } catch {
      out.unreadable.push(id);
      continue;
    }
    const existed = await env.CATALOG_DB.prepare("SELECT 1 FROM backups WHERE id = ?").bind(id).first();
    // The same two writes a live backup makes: its row, then its completion.
    await insertBackup(env.CATALOG_DB, { id, type: m.type, components: [m.component], description: m.description, requested_by: m.requested_by, trigger: "rebuilt" });
    await markBackupCompleted(env.CATALOG_DB, id, {
      rows: m.rows,
      tables: m.tables,
      raw_bytes: m.raw_bytes,
      stored_bytes: m.stored_bytes,
      chunks: m.chunks,
      new_chunks: m.new_chunks,
      manifest_key: Layout.manifest(id),
      started_at: m.started_at,
      completed_at: m.completed_at,
    });
    existed ? out.updated++ : out.inserted++;
  }
  return out;
}

interface CatalogFacts {
  type: string;
  component: string;
  description?: string;
  requested_by: string;
  started_at: string;
  completed_at: string;
  rows: number;
  tables: number;
  raw_bytes: number;
  stored_bytes: number;
  chunks: number;
  new_chunks: number;
}

/** What the catalog keeps about a backup, from whichever kind of manifest it has. */
function catalogFacts(json: unknown): CatalogFacts {
  const db = DatabaseManifest.safeParse(json);
  if (db.success) {
    const m = db.data;
    const t = m.totals;
    return { ...m, type: "full_database", rows: t.rows, tables: t.tables, raw_bytes: t.raw_bytes, stored_bytes: t.new_stored_bytes, chunks: t.chunks, new_chunks: t.new_chunks };
  }
  const ses = SessionManifest.safeParse(json);
  if (ses.success) {
    const t = ses.data.totals;
    return { ...ses.data, rows: t.entries, tables: t.objects, raw_bytes: t.bytes, stored_bytes: t.new_stored_bytes, chunks: ses.data.segments.length, new_chunks: t.new_chunks };
  }
  const sys = SystemManifest.safeParse(json);
  if (sys.success) return { ...sys.data, rows: 0, tables: 0, raw_bytes: 0, stored_bytes: 0, chunks: 0, new_chunks: 0 };
  const cfg = ConfigManifest.safeParse(json);
  if (cfg.success) {
    return { ...cfg.data, rows: cfg.data.config.bindings.length, tables: 0, raw_bytes: 0, stored_bytes: 0, chunks: 0, new_chunks: 0 };
  }
  const m = AssetManifest.parse(json);
  const t = m.totals;
  return { ...m, rows: t.objects, tables: 0, raw_bytes: t.bytes, stored_bytes: t.new_stored_bytes, chunks: m.segments.length, new_chunks: t.new_chunks };
}
