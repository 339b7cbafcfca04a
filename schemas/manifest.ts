import { z } from "zod";
import { CapturePoint } from "./capture";

/** Format version of everything written under a repository. Readers refuse versions they do not know. */
export const FORMAT_VERSION = 1;

export const ChunkRef = z.object({
  /** HMAC-SHA-256 of the plaintext under the repository's id key, hex. Also the object name. */
  id: z.string().regex(/^[0-9a-f]{64}$/),
  rows: z.number().int().nonnegative(),
  /** Bytes of plaintext (serialized rows). */
  raw: z.number().int().nonnegative(),
  /** Plain SHA-256 of the plaintext, hex: the content checksum a restore re-derives from the restored table. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type ChunkRef = z.infer<typeof ChunkRef>;

export const ColumnInfo = z.object({ name: z.string(), type: z.string(), pk: z.number().int() });

export const TableInfo = z.object({
  name: z.string(),
  /** `rowid`: ordinary table, paged and restored by rowid (kept even without an alias column). `pk`: WITHOUT ROWID, paged by its primary key. */
  mode: z.enum(["rowid", "pk"]),
  /** Whether the first value of each serialized row is the rowid (ordinary tables without an INTEGER PRIMARY KEY alias). */
  rowidColumn: z.boolean(),
  columns: z.array(ColumnInfo),
  /** Columns that order the rows and make the keyset cursor. */
  keyColumns: z.array(z.string()),
});
export type TableInfo = z.infer<typeof TableInfo>;

export const SchemaObject = z.object({
  type: z.enum(["table", "index", "trigger", "view"]),
  name: z.string(),
  tbl_name: z.string(),
  sql: z.string(),
});
export type SchemaObject = z.infer<typeof SchemaObject>;

export const DatabaseSchema = z.object({
  objects: z.array(SchemaObject),
  tables: z.array(TableInfo),
  /** AUTOINCREMENT counters, so a restored database never re-issues an id it already gave out. */
  sequences: z.array(z.object({ name: z.string(), seq: z.number() })),
  /**
   * Tables the provider profile leaves out of backups (caches, counters), with their indexes and triggers: not in
   * `objects` or `tables`, and a full restore leaves them in the target as they are.
   */
  excluded: z.array(z.string()).default([]),
});
export type DatabaseSchema = z.infer<typeof DatabaseSchema>;

export const TableManifest = z.object({
  name: z.string(),
  rows: z.number().int().nonnegative(),
  raw_bytes: z.number().int().nonnegative(),
  /** SHA-256 over the chunk checksums in order: one digest for the whole table's content. */
  checksum: z.string().regex(/^[0-9a-f]{64}$/),
  chunks: z.array(ChunkRef),
});
export type TableManifest = z.infer<typeof TableManifest>;

/** The platform's own restore point for a backup's instant (D1 Time Travel), when configured. */
export const TimeTravelMark = z.object({
  database_id: z.string(),
  at: z.string(),
  bookmark: z.string().optional(),
  /** Why there is no bookmark: the API call failed (the backup itself is unaffected). */
  error: z.string().optional(),
});
export type TimeTravelMark = z.infer<typeof TimeTravelMark>;

/** Fields every manifest has, whatever it describes. */
export const ManifestHeader = z.object({
  version: z.literal(FORMAT_VERSION),
  backup_id: z.string(),
  description: z.string().optional(),
  requested_by: z.string(),
  started_at: z.string(),
  completed_at: z.string(),
  data_key_id: z.string(),
});

export const DatabaseManifest = ManifestHeader.extend({
  format: z.literal("vaultline-manifest"),
  type: z.enum(["full"]),
  component: z.literal("database"),
  source: z.string(),
  schema: DatabaseSchema,
  tables: z.array(TableManifest),
  totals: z.object({
    tables: z.number().int(),
    rows: z.number().int(),
    raw_bytes: z.number().int(),
    chunks: z.number().int(),
    new_chunks: z.number().int(),
    new_stored_bytes: z.number().int(),
  }),
  timings_ms: z.record(z.string(), z.number()),
  /** Present when change capture was installed: the scan's window in the change log (docs/CAPTURE.md). */
  capture: CapturePoint.optional(),
  time_travel: TimeTravelMark.optional(),
  /**
   * The chunker the rows were cut with (the repository config's when the backup ran), inside the sealed manifest:
   * a restore re-cuts staging with exactly these to compare digests, whatever the config says later.
   */
  chunker: z.object({ min: z.number().int(), avg_extra: z.number().int(), max: z.number().int() }).optional(),
});
export type DatabaseManifest = z.infer<typeof DatabaseManifest>;
