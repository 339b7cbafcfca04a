-- Vaultline's catalog: an index of the backup repository plus operational state.
-- Everything about a completed backup can be rebuilt from BACKUP_BUCKET (POST /admin/catalog/rebuild).
CREATE TABLE backups (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  components TEXT NOT NULL,           -- JSON array
  status TEXT NOT NULL,               -- initiated | running | completed | failed
  description TEXT,
  requested_by TEXT NOT NULL,
  trigger TEXT NOT NULL,              -- api | schedule
  created_at TEXT NOT NULL,
  started_at TEXT,
  completed_at TEXT,
  updated_at TEXT NOT NULL,           -- last progress; the watchdog reads it
  step TEXT,
  progress TEXT,                      -- JSON
  rows INTEGER,
  tables INTEGER,
  raw_bytes INTEGER,
  stored_bytes INTEGER,               -- bytes this backup added to the repository
  chunks INTEGER,
  new_chunks INTEGER,
  duration_ms INTEGER,
  manifest_key TEXT,
  error_code TEXT,
  error TEXT,
  restarts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX backups_by_time ON backups (created_at DESC);
CREATE INDEX backups_by_status ON backups (status, updated_at);

CREATE TABLE restores (
  id TEXT PRIMARY KEY,
  backup_id TEXT NOT NULL,
  components TEXT NOT NULL,
  target_environment TEXT NOT NULL,   -- production | test
  target_binding TEXT NOT NULL,
  status TEXT NOT NULL,               -- initiated | awaiting_approval | running | completed | failed | rolled_back | cancelled
  stage TEXT,
  progress TEXT,
  requested_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  started_at TEXT,
  completed_at TEXT,
  updated_at TEXT NOT NULL,
  duration_ms INTEGER,
  rows INTEGER,
  error_code TEXT,
  error TEXT,
  restarts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX restores_by_status ON restores (status, updated_at);

CREATE TABLE restore_log (
  restore_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  at TEXT NOT NULL,
  level TEXT NOT NULL,
  message TEXT NOT NULL,
  PRIMARY KEY (restore_id, seq)
) WITHOUT ROWID;

-- Append-only record of every admin call and every action taken on the system's own initiative.
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,                -- token subject, or "system:<job>"
  action TEXT NOT NULL,               -- e.g. "POST /admin/backup/create", "watchdog.restart"
  target TEXT,
  outcome INTEGER NOT NULL,           -- HTTP status, or 0/1 for internal actions
  request_id TEXT,
  detail TEXT
);
CREATE INDEX audit_by_time ON audit_log (at);
