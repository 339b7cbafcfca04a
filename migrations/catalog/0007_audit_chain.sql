-- The audit log becomes a hash chain (docs/AUDIT.md): each entry carries the hash of the one before it, so an
-- altered, removed or reordered entry is found by GET /admin/audit/verify. Entries written before this migration
-- have no hash and are reported as unchained.
ALTER TABLE audit_log ADD COLUMN source TEXT;          -- from where: the client's address, or "internal"
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;
CREATE UNIQUE INDEX audit_by_hash ON audit_log (hash);
CREATE INDEX audit_by_actor ON audit_log (actor, id);
CREATE INDEX audit_by_action ON audit_log (action, id);
CREATE INDEX audit_by_target ON audit_log (target, id);

-- Sealed runs of the chain, copied write-once to BACKUP_BUCKET (audit/<first>-<last>).
CREATE TABLE audit_segments (
  first_id INTEGER PRIMARY KEY,
  last_id INTEGER NOT NULL,
  last_hash TEXT NOT NULL,
  object_key TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  sealed_at TEXT NOT NULL
);
