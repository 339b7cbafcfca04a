-- Key rotations (docs/KEYS.md): each KeyRotationWorkflow run and what it found still referencing old master keys.
CREATE TABLE key_rotations (
  id TEXT PRIMARY KEY,
  status TEXT NOT NULL,                 -- running | completed | failed
  requested_by TEXT NOT NULL,
  to_kek TEXT,                          -- the current master key id it wrapped under
  created_at TEXT NOT NULL,
  completed_at TEXT,
  rewrapped INTEGER,
  report TEXT,                          -- JSON KeyReport
  error TEXT
);
-- Retired master keys: their wraps were deleted, so they open nothing in this repository any more.
CREATE TABLE key_retirements (
  kek_id TEXT PRIMARY KEY,
  retired_by TEXT NOT NULL,
  retired_at TEXT NOT NULL,
  wraps_deleted INTEGER NOT NULL
);
