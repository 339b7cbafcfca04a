-- What a production restore will overwrite, as its approvers see it: per component, the backup, the scope (whole,
-- tables, one user, a prefix or one object, session objects) and the instant (JSON; src/restore/selection-summary.ts).
ALTER TABLE restores ADD COLUMN selection TEXT;
-- The selection as asked for (JSON: {database?, assets?, sessions?}, the API's shape): a rollback, automatic or on
-- request, puts back exactly that scope from the safety snapshot, never more.
ALTER TABLE restores ADD COLUMN scope TEXT;
