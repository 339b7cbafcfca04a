/** Object names in BACKUP_BUCKET (docs/FORMAT.md, "Layout"). The one place that spells them. */
export const Layout = {
  config: "config",
  keysPrefix: "keys/",
  keyPrefix: (dataKeyId: string) => `keys/${dataKeyId}/`,
  /** Dated copies of every key wrap, one set a day, held by a bucket lock for the retention period (docs/KEYS.md). */
  keyArchivePrefix: "keys-archive/",
  keyArchive: (day: string, dataKeyId: string, kekId: string) => `keys-archive/${day}/${dataKeyId}/${kekId}.json`,
  keyArchiveDone: (day: string) => `keys-archive/${day}/complete`,
  /** The data keys after the config's first, in order: `keychain/<n>` (docs/KEYS.md, "Data key rotation"). */
  keychainPrefix: "keychain/",
  keychain: (n: number) => `keychain/${String(n).padStart(6, "0")}`,
  key: (dataKeyId: string, kekId: string) => `keys/${dataKeyId}/${kekId}.json`,
  chunkPrefix: "data/",
  chunk: (id: string) => `data/${id.slice(0, 2)}/${id}`,
  /** A chunk only monthly archives and old backups reference, in R2's InfrequentAccess class (docs/RETENTION.md). */
  coldPrefix: "cold/",
  cold: (id: string) => `cold/${id.slice(0, 2)}/${id}`,
  /** A chunk no kept backup referenced at the last prune: kept here until phase two decides (docs/RETENTION.md). */
  fossilPrefix: "fossils/",
  fossil: (id: string) => `fossils/${id.slice(0, 2)}/${id}`,
  /** The chunk id of a `data/`, `cold/` or `fossils/` object name. */
  chunkIdOf: (key: string) => key.slice(key.lastIndexOf("/") + 1),
  manifestPrefix: "manifests/",
  manifest: (backupId: string) => `manifests/${backupId}`,
  manifestName: (backupId: string) => `manifest:${backupId}`,
  /** Change-log segments of one captured database, named by their sequence range (zero-padded: names sort by it). */
  segmentPrefix: (source: string) => `segments/${source}/`,
  segmentStart: (source: string, first: number) => `segments/${source}/${pad(first)}-`,
  segment: (source: string, first: number, last: number) => `segments/${source}/${pad(first)}-${pad(last)}`,
  /** Sealed catalog records (holds, policies, approvals): what only the catalog knew (schemas/catalog-records.ts). */
  catalogRecordPrefix: "catalog/",
  /** Scheduled compliance reports, sealed, write-once: `reports/compliance/<from>_<to>` (docs/RETENTION.md). */
  reportPrefix: "reports/",
  report: (name: string) => `reports/${name}`,
  /** Sealed runs of the audit chain, named by their entry ids (docs/AUDIT.md). */
  auditPrefix: "audit/",
  auditSegment: (first: number, last: number) => `audit/${pad(first)}-${pad(last)}`,
  auditSegmentStart: (first: number) => `audit/${pad(first)}-`,
} as const;

function pad(n: number): string {
  return String(n).padStart(16, "0");
}
