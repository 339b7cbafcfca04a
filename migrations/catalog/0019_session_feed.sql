-- The session change feed (docs/SESSIONS.md, "The change feed") ships segments into change_segments too, under its
-- own source (SESSIONS). Each run's coverage is kept with its segments: where it started from and, on the run's
-- last segment, where it reached. A restore to an instant reads segments by their times.
ALTER TABLE change_segments ADD COLUMN covered_from INTEGER;
ALTER TABLE change_segments ADD COLUMN covered_until INTEGER;
CREATE INDEX change_segments_by_time ON change_segments (source, last_at);
-- The instant a component restore to target_timestamp reaches, when its plan fixed it (sessions carried by the feed).
ALTER TABLE restores ADD COLUMN reached_at TEXT;
