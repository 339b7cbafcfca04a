import { insertStorageSamples } from "../catalog/storage-samples";
import type { Env } from "../env";

/** What each area of the bucket holds, by object name prefix. */
const AREAS: [prefix: string, area: string][] = [
  ["data/", "chunks"],
  ["cold/", "chunks"],
  ["fossils/", "fossils"],
  ["manifests/", "manifests"],
  ["segments/", "change_log"],
  ["audit/", "audit"],
  ["keys/", "keys"],
];
/** R2 list pages one sample reads at most (1,000 objects each). */
const MAX_PAGES = 500;

/** R2 prices per GB-month (docs/RETENTION.md, "Storage tiers"), for the estimate only. */
export const PRICE_PER_GB_MONTH = { Standard: 0.015, InfrequentAccess: 0.01 } as const;

export interface StorageSample {
  at: string;
  areas: { area: string; tier: string; objects: number; bytes: number }[];
  truncated: boolean;
}

/** Lists the bucket once and records objects and bytes per area and storage class in `storage_samples`. */
export async function recordStorageSample(env: Env): Promise<StorageSample> {
  const at = new Date().toISOString();
  const totals = new Map<string, { area: string; tier: string; objects: number; bytes: number }>();
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await env.BACKUP_BUCKET.list({ cursor, limit: 1000 });
    for (const o of page.objects) {
      const area = AREAS.find(([p]) => o.key.startsWith(p))?.[1] ?? "other";
      // The layout decides the tier: cold/ objects are written with storageClass InfrequentAccess, everything else
      // Standard. (Local R2 does not keep storage classes, so the class reported by a listing is not relied on.)
      const tier = o.key.startsWith("cold/") ? "InfrequentAccess" : "Standard";
      const k = `${area}/${tier}`;
      const t = totals.get(k) ?? { area, tier, objects: 0, bytes: 0 };
      t.objects++;
      t.bytes += o.size;
      totals.set(k, t);
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor && ++pages < MAX_PAGES);
  const areas = [...totals.values()];
  await insertStorageSamples(env.CATALOG_DB, at, areas);
  return { at, areas, truncated: cursor !== undefined };
}
