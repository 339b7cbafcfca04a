-- Cross-region replication and scrubbing (docs/REPLICATION.md).
ALTER TABLE backups ADD COLUMN replica_status TEXT;       -- NULL (replication off) | replicated | failed
ALTER TABLE backups ADD COLUMN replicated_at TEXT;
ALTER TABLE backups ADD COLUMN replica_error TEXT;

CREATE TABLE replication_runs (
  id TEXT PRIMARY KEY,
  trigger TEXT NOT NULL,
  status TEXT NOT NULL,                 -- running | completed | failed
  started_at TEXT NOT NULL,
  completed_at TEXT,
  checked INTEGER,
  copied INTEGER,
  bytes INTEGER,
  lag_seconds INTEGER,                  -- how old the oldest object missing from the replica was when the run began
  error TEXT
);

-- One row: where the rotating scrub is, so every object of both copies is read within the period.
CREATE TABLE scrub_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  cursor TEXT,                          -- the last object name checked in the current cycle; NULL: start of a cycle
  cycle_started_at TEXT,
  cycle_checked INTEGER NOT NULL DEFAULT 0,
  last_cycle_completed_at TEXT
);
INSERT INTO scrub_state (id) VALUES (1);

CREATE TABLE scrub_runs (
  id TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  started_at TEXT NOT NULL,
  completed_at TEXT,
  report TEXT
);
