-- Read-only polling (the dashboard's refresh) is counted, not chained one request at a time (docs/AUDIT.md,
-- "Views"): per person, route and minute. Each closed minute becomes one chained `audit.views` entry per person.
CREATE TABLE view_counts (
  minute TEXT NOT NULL,                -- ISO 8601, truncated to the minute (UTC)
  actor TEXT NOT NULL,                 -- the signed-in subject
  route TEXT NOT NULL,                 -- the route pattern read, e.g. GET /admin/backup/:id
  n INTEGER NOT NULL,
  chained INTEGER NOT NULL DEFAULT 0,  -- 1 once its minute's summary entry is in the chain
  PRIMARY KEY (minute, actor, route)
) WITHOUT ROWID;
CREATE INDEX view_counts_unchained ON view_counts (chained, minute);
