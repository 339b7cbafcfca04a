-- Change feeds for sessions and assets (issue 17).
-- The session change feed (docs/SESSIONS.md, "The change feed") ships segments into change_segments too, under its
-- own source (SESSIONS). Each run's coverage is kept with its segments: where it started from and, on the run's
-- last segment, where it reached. A restore to an instant reads segments by their times.
ALTER TABLE change_segments ADD COLUMN covered_from INTEGER;
ALTER TABLE change_segments ADD COLUMN covered_until INTEGER;
CREATE INDEX change_segments_by_time ON change_segments (source, last_at);
-- The instant a component restore to target_timestamp reaches, when its plan fixed it (sessions carried by the feed).
ALTER TABLE restores ADD COLUMN reached_at TEXT;
-- The asset change feed (docs/CAPTURE.md, "Files, continuously"): what the last listing comparison saw per object, the
-- keys R2 event notifications named since the last run, and where the listing pass in progress stands.
CREATE TABLE asset_watch (key TEXT PRIMARY KEY, etag TEXT NOT NULL, size INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE asset_marks (key TEXT PRIMARY KEY, token TEXT NOT NULL, event_time INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE feed_passes (
  source TEXT PRIMARY KEY,
  after_key TEXT,                     -- the last key compared by the pass in progress (null: none in progress)
  started_at INTEGER,                 -- ms: when the pass in progress started; it covers what changed before that
  seeding INTEGER NOT NULL            -- 1 while the feed's first pass only records what exists
);
