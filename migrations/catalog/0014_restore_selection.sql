-- What a production restore will overwrite, as its approvers see it: per component, the backup, the scope (whole,
-- tables, one user, a prefix or one object, session objects) and the instant (JSON; src/restore/selection-summary.ts).
ALTER TABLE restores ADD COLUMN selection TEXT;
