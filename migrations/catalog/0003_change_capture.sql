-- Change capture (docs/CAPTURE.md): shipped change-log segments, the shipper's position, and where the chain breaks.
CREATE TABLE change_segments (
  source TEXT NOT NULL,               -- the captured D1 binding, e.g. OIDC_DB
  first_seq INTEGER NOT NULL,
  last_seq INTEGER NOT NULL,
  first_at INTEGER NOT NULL,          -- ms since the epoch
  last_at INTEGER NOT NULL,
  entries INTEGER NOT NULL,
  key TEXT NOT NULL,                  -- object name in BACKUP_BUCKET
  sha256 TEXT NOT NULL,               -- of the plaintext
  raw_bytes INTEGER NOT NULL,
  stored_bytes INTEGER NOT NULL,
  shipped_at TEXT NOT NULL,
  PRIMARY KEY (source, first_seq)
) WITHOUT ROWID;
CREATE UNIQUE INDEX change_segments_by_last ON change_segments (source, last_seq);

CREATE TABLE capture_state (
  source TEXT PRIMARY KEY,
  last_seq INTEGER NOT NULL,          -- every entry up to here is shipped and verified
  covered_until INTEGER,              -- ms: every change made before this is shipped
  schema_fingerprint TEXT,
  last_ship_at TEXT,
  last_error TEXT
);

-- Points past which changes cannot be replayed onto an earlier base: a gap in the sequence, a schema change,
-- or the database replaced by a restore. Coverage from a base ends at the first break after it.
CREATE TABLE capture_breaks (
  source TEXT NOT NULL,
  after_seq INTEGER NOT NULL,
  kind TEXT NOT NULL,                 -- gap | schema | restore
  next_seq INTEGER,                   -- gap: the first sequence number found after the hole
  known_until INTEGER NOT NULL,       -- ms: the database is known exactly up to this instant
  detail TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  PRIMARY KEY (source, after_seq, kind)
) WITHOUT ROWID;

-- A full database backup's place in the change log; an incremental backup's base.
ALTER TABLE backups ADD COLUMN seq_start INTEGER;
ALTER TABLE backups ADD COLUMN seq_end INTEGER;
ALTER TABLE backups ADD COLUMN as_of INTEGER;
ALTER TABLE backups ADD COLUMN base_backup_id TEXT;
CREATE INDEX backups_by_as_of ON backups (type, status, as_of);
-- A point-in-time restore names the instant it restores to (backup_id is then the base it started from).
ALTER TABLE restores ADD COLUMN target_timestamp TEXT;
