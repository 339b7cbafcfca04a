import type { DatabaseManifest, DatabaseSchema, TableManifest, TimeTravelMark } from "../../schemas/manifest";
import { FORMAT_VERSION } from "../../schemas/manifest";
import type { CapturePoint } from "../../schemas/capture";
import { tableChecksum } from "./checksum";
import type { ExportStepResult } from "./export-tables";

export interface ManifestInput {
  backup_id: string;
  description?: string;
  requested_by: string;
  started_at: string;
  data_key_id: string;
  schema: DatabaseSchema;
  slices: ExportStepResult[];
  timings_ms: Record<string, number>;
  capture: CapturePoint | null;
  time_travel: TimeTravelMark | null;
  /** The chunker the export used (the repository config's). */
  chunker?: DatabaseManifest["chunker"];
}

/** Folds the export slices into one manifest: per-table chunk lists, row counts and checksums. */
export async function buildDatabaseManifest(m: ManifestInput): Promise<DatabaseManifest> {
  const tables: TableManifest[] = m.schema.tables.map((t) => ({ name: t.name, rows: 0, raw_bytes: 0, checksum: "", chunks: [] }));
  for (const slice of m.slices) {
    for (const part of slice.tables) {
      const t = tables[part.index]!;
      for (const c of part.chunks) {
        t.chunks.push(c);
        t.rows += c.rows;
        t.raw_bytes += c.raw;
      }
    }
  }
  for (const t of tables) t.checksum = await tableChecksum(t.chunks.map((c) => c.sha256));
  const sum = (f: (s: ExportStepResult) => number) => m.slices.reduce((n, s) => n + f(s), 0);
  return {
    format: "vaultline-manifest",
    version: FORMAT_VERSION,
    backup_id: m.backup_id,
    type: "full",
    component: "database",
    source: "OIDC_DB",
    ...(m.description ? { description: m.description } : {}),
    requested_by: m.requested_by,
    started_at: m.started_at,
    completed_at: new Date().toISOString(),
    data_key_id: m.data_key_id,
    schema: m.schema,
    tables,
    totals: {
      tables: tables.length,
      rows: tables.reduce((n, t) => n + t.rows, 0),
      raw_bytes: tables.reduce((n, t) => n + t.raw_bytes, 0),
      chunks: tables.reduce((n, t) => n + t.chunks.length, 0),
      new_chunks: sum((s) => s.written.length),
      new_stored_bytes: sum((s) => s.stored_bytes),
    },
    timings_ms: m.timings_ms,
    ...(m.capture ? { capture: m.capture } : {}),
    ...(m.time_travel ? { time_travel: m.time_travel } : {}),
    ...(m.chunker ? { chunker: m.chunker } : {}),
  };
}
