import type { AssetManifest } from "../../schemas/assets";
import type { Repository } from "../repo/repository";
import { compareKeys, readSegment } from "./index-lookup";
import type { AssetFilter } from "./restore-assets";

/**
 * Whether a backup holds what a restore asks for: the key itself, or at least one key under the prefix.
 * Reads only the segments whose key range could hold it.
 */
export async function selectionExists(repo: Repository, manifest: AssetManifest, filter: AssetFilter): Promise<boolean> {
  const probe = filter.key ?? filter.prefix;
  if (probe === undefined) return manifest.totals.objects > 0;
  for (const s of manifest.segments) {
    if (compareKeys(s.last, probe) < 0) continue; // every key here sorts before the probe
    if (filter.key !== undefined && compareKeys(s.first, filter.key) > 0) return false;
    if (filter.prefix !== undefined && compareKeys(s.first, filter.prefix) > 0 && !s.first.startsWith(filter.prefix)) return false;
    const entries = await readSegment(repo, s.id);
    if (entries.some((e) => (filter.key !== undefined ? e.key === filter.key : e.key.startsWith(filter.prefix!)))) return true;
  }
  return false;
}
