-- Test restores (drills): a backup restored into the sandbox, checked, cleaned up. The report is the proof.
CREATE TABLE test_restores (
  id TEXT PRIMARY KEY,
  backup_id TEXT NOT NULL,
  status TEXT NOT NULL,               -- running | passed | failed
  trigger TEXT NOT NULL,              -- api | schedule | gate
  requested_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  completed_at TEXT,
  rto_ms INTEGER,                     -- restore + validation: the drill's recovery time
  cleanup_ms INTEGER,
  components TEXT NOT NULL,           -- JSON: [{component, restore_id, backup_id}]
  checks TEXT,                        -- JSON: [{component, name, passed, detail, ms}]
  error TEXT
);
CREATE INDEX test_restores_by_backup ON test_restores (backup_id, completed_at);
CREATE INDEX test_restores_by_time ON test_restores (created_at);
