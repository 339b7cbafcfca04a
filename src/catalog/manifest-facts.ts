import { AnyManifest } from "../../schemas/any-manifest";
import type { BackupResult } from "./backups";

export type { AnyManifest };

/** What the catalog keeps about a backup, besides where its manifest is. */
export type CatalogFacts = Omit<BackupResult, "manifest_key"> & {
  type: string;
  component: string;
  description?: string;
  requested_by: string;
  /** The backup's place in the change log, when it has one (docs/CAPTURE.md). */
  capture?: { seq_start: number; seq_end: number; as_of: number; base_backup_id?: string };
};

/** Parses a manifest of any kind, by its format field; the error names the field that does not fit. */
export function parseAnyManifest(json: unknown): AnyManifest {
  const r = AnyManifest.safeParse(json);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new Error(`not a Vaultline manifest of any known kind: ${issue.path.join(".") || "format"}: ${issue.message}`);
}

/**
 * The catalog's figures for a backup, from its manifest: what a backup records when it completes, and what a
 * catalog rebuild recovers from the bucket. For assets `rows` counts objects; for sessions `rows` counts entries
 * and `tables` objects. `stored_bytes` is what the backup's data added (its manifest not included).
 */
export function catalogFacts(m: AnyManifest): CatalogFacts {
  const base = {
    component: m.component,
    description: m.description,
    requested_by: m.requested_by,
    started_at: m.started_at,
    completed_at: m.completed_at,
  };
  switch (m.format) {
    case "vaultline-manifest": {
      const t = m.totals;
      const capture = m.capture ? { seq_start: m.capture.seq_start, seq_end: m.capture.seq_end, as_of: m.capture.as_of } : undefined;
      return {
        ...base,
        type: "full_database",
        rows: t.rows,
        tables: t.tables,
        raw_bytes: t.raw_bytes,
        stored_bytes: t.new_stored_bytes,
        chunks: t.chunks,
        new_chunks: t.new_chunks,
        ...(capture ? { capture } : {}),
      };
    }
    case "vaultline-incremental-manifest": {
      // Rows are change-log entries; the bytes are the segments' (shipped by the shipper, referenced here).
      const t = m.totals;
      const capture = { seq_start: m.from_seq - 1, seq_end: m.to_seq, as_of: m.as_of, base_backup_id: m.base_backup_id };
      return {
        ...base,
        type: "incremental_database",
        rows: t.entries,
        tables: 0,
        raw_bytes: t.raw_bytes,
        stored_bytes: t.stored_bytes,
        chunks: m.segments.length,
        new_chunks: 0,
        capture,
      };
    }
    case "vaultline-session-manifest": {
      const t = m.totals;
      return {
        ...base,
        type: m.type,
        rows: t.entries,
        tables: t.objects,
        raw_bytes: t.bytes,
        stored_bytes: t.new_stored_bytes,
        chunks: m.segments.length,
        new_chunks: t.new_chunks,
      };
    }
    case "vaultline-asset-manifest": {
      const t = m.totals;
      return {
        ...base,
        type: m.type,
        rows: t.objects,
        tables: 0,
        raw_bytes: t.bytes,
        stored_bytes: t.new_stored_bytes,
        chunks: m.segments.length,
        new_chunks: t.new_chunks,
      };
    }
    case "vaultline-config-manifest":
      return { ...base, type: m.type, rows: m.config.bindings.length, tables: 0, raw_bytes: 0, stored_bytes: 0, chunks: 0, new_chunks: 0 };
    case "vaultline-system-manifest":
      return { ...base, type: m.type, rows: 0, tables: 0, raw_bytes: 0, stored_bytes: 0, chunks: 0, new_chunks: 0 };
  }
}

/** The catalog result a backup workflow records: its facts, its manifest's key, and the manifest's own bytes. */
export function completedResult(m: AnyManifest, manifestKey: string, manifestStored: number): BackupResult {
  const f = catalogFacts(m);
  return {
    rows: f.rows,
    tables: f.tables,
    raw_bytes: f.raw_bytes,
    stored_bytes: f.stored_bytes + manifestStored,
    chunks: f.chunks,
    new_chunks: f.new_chunks,
    started_at: f.started_at,
    completed_at: f.completed_at,
    manifest_key: manifestKey,
  };
}
