-- A full database backup's D1 Time Travel bookmark for its instant, when configured (docs/CAPTURE.md).
ALTER TABLE backups ADD COLUMN time_travel_bookmark TEXT;
