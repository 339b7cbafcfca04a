-- A component backup started by a full-system backup names its parent.
ALTER TABLE backups ADD COLUMN parent_id TEXT;
CREATE INDEX backups_by_parent ON backups (parent_id);
