-- Restore and drill history is sealed into the repository once it ends (docs/FORMAT.md, "Catalog records"), so a
-- lost catalog can be rebuilt with it. `sealed_at` marks what is sealed; the audit seal's cron seals the rest.
ALTER TABLE restores ADD COLUMN sealed_at TEXT;
ALTER TABLE test_restores ADD COLUMN sealed_at TEXT;
CREATE INDEX restores_unsealed ON restores (updated_at) WHERE sealed_at IS NULL;
CREATE INDEX test_restores_unsealed ON test_restores (created_at) WHERE sealed_at IS NULL;
