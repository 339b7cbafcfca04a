-- Retention (docs/RETENTION.md): policies, legal holds, forgetting, two-phase pruning, storage samples.
CREATE TABLE retention_policies (
  version INTEGER PRIMARY KEY AUTOINCREMENT,
  policy TEXT NOT NULL,                 -- JSON PolicySet
  set_by TEXT NOT NULL,
  set_at TEXT NOT NULL
);

CREATE TABLE legal_holds (
  id TEXT PRIMARY KEY,
  backup_id TEXT,                       -- one backup, or:
  component TEXT,                       -- every backup holding this component (NULL: any) ...
  from_at TEXT,                         -- ... completed within [from_at, to_at]
  to_at TEXT,
  reason TEXT NOT NULL,
  placed_by TEXT NOT NULL,
  placed_at TEXT NOT NULL,
  released_at TEXT,
  released_by TEXT,
  release_reason TEXT
);
CREATE INDEX legal_holds_active ON legal_holds (released_at);

ALTER TABLE backups ADD COLUMN forgotten_at TEXT;
ALTER TABLE backups ADD COLUMN forget_reason TEXT;
ALTER TABLE backups ADD COLUMN forget_run TEXT;

CREATE TABLE retention_runs (
  id TEXT PRIMARY KEY,
  trigger TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  status TEXT NOT NULL,                 -- running | completed | failed
  started_at TEXT NOT NULL,
  completed_at TEXT,
  policy_version INTEGER,
  report TEXT,                          -- JSON: forgotten, fossilized, deleted, resurrected, bytes
  error TEXT
);

-- Chunks referenced by the backups a prune keeps (mark phase), per run.
CREATE TABLE prune_marks (
  run_id TEXT NOT NULL,
  chunk_id TEXT NOT NULL,
  hot INTEGER NOT NULL DEFAULT 1,       -- 1: a backup that stays in Standard references it; 0: only monthly archives and backups past the IA age
  PRIMARY KEY (run_id, chunk_id)
) WITHOUT ROWID;

-- Phase one of a prune moved unreferenced chunks to fossils/; phase two deletes those still unreferenced once every
-- backup that was running during phase one has ended.
CREATE TABLE fossil_collections (
  id TEXT PRIMARY KEY,                  -- the retention run that collected them
  collected_at TEXT NOT NULL,
  ended_at TEXT NOT NULL,
  chunks INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  status TEXT NOT NULL,                 -- pending | done
  done_at TEXT,
  deleted INTEGER,
  resurrected INTEGER,
  freed_bytes INTEGER
);

CREATE TABLE storage_samples (
  at TEXT NOT NULL,
  component TEXT NOT NULL,              -- database | sessions | assets | config | change_log | audit | fossils | other
  tier TEXT NOT NULL,                   -- Standard | InfrequentAccess
  objects INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  PRIMARY KEY (at, component, tier)
);

-- Repository checks (POST /admin/repository/check): every manifest readable, every chunk it references present.
CREATE TABLE repository_checks (
  id TEXT PRIMARY KEY,
  requested_by TEXT NOT NULL,
  status TEXT NOT NULL,                 -- running | passed | failed
  started_at TEXT NOT NULL,
  completed_at TEXT,
  report TEXT
);
