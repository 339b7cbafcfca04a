import type { AssetManifest } from "../../schemas/assets";
import { FORMAT_VERSION } from "../../schemas/manifest";
import type { AssetSliceResult } from "./export-assets";

export interface AssetManifestInput {
  backup_id: string;
  description?: string;
  requested_by: string;
  started_at: string;
  data_key_id: string;
  base: { backup_id: string; objects: number } | null;
  slices: AssetSliceResult[];
  timings_ms: Record<string, number>;
}

export function buildAssetManifest(m: AssetManifestInput): AssetManifest {
  const sum = (f: (s: AssetSliceResult) => number) => m.slices.reduce((n, s) => n + f(s), 0);
  return {
    format: "vaultline-asset-manifest",
    version: FORMAT_VERSION,
    backup_id: m.backup_id,
    type: "assets",
    component: "assets",
    source: "ASSETS_BUCKET",
    ...(m.description ? { description: m.description } : {}),
    requested_by: m.requested_by,
    started_at: m.started_at,
    completed_at: new Date().toISOString(),
    data_key_id: m.data_key_id,
    base_backup_id: m.base?.backup_id ?? null,
    segments: m.slices.flatMap((s) => (s.segment ? [s.segment] : [])),
    totals: {
      objects: sum((s) => s.objects),
      bytes: sum((s) => s.bytes),
      copied_objects: sum((s) => s.copied_objects),
      copied_bytes: sum((s) => s.copied_bytes),
      reused_objects: sum((s) => s.reused_objects),
      deleted_objects: m.base ? m.base.objects - sum((s) => s.base_keys_seen) : 0,
      new_chunks: sum((s) => s.written.length),
      new_stored_bytes: sum((s) => s.stored_bytes),
    },
    timings_ms: m.timings_ms,
  };
}
