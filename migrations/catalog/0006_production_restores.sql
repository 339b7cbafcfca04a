-- Production restores run in stages under one orchestrating restore (docs/OPERATIONS.md, "Production restores"):
-- gate (a passing test restore), approval by a second person, safety snapshot, staged restore, final verification.
ALTER TABLE restores ADD COLUMN parent_id TEXT;              -- a component restore started by an orchestrating one
ALTER TABLE restores ADD COLUMN approval_expires_at TEXT;
ALTER TABLE restores ADD COLUMN gate_test_id TEXT;           -- the test restore that let it through
ALTER TABLE restores ADD COLUMN safety_backups TEXT;         -- JSON {component: backup_id}: what a rollback restores
ALTER TABLE restores ADD COLUMN rollback_until TEXT;         -- a completed restore can be rolled back on request until then
CREATE INDEX restores_by_parent ON restores (parent_id);

-- One decision per restore; the first one stands.
CREATE TABLE restore_approvals (
  restore_id TEXT PRIMARY KEY,
  decision TEXT NOT NULL,              -- approve | reject
  decided_by TEXT NOT NULL,
  comment TEXT NOT NULL,
  decided_at TEXT NOT NULL
);
