-- Requests that failed authentication are counted, not chained one by one (docs/AUDIT.md, "Unauthenticated
-- requests"): per source and minute. Each closed minute becomes one chained `auth.unauthenticated` entry.
CREATE TABLE unauthenticated_requests (
  minute TEXT NOT NULL,                -- ISO 8601, truncated to the minute (UTC)
  source TEXT NOT NULL,                -- the client address Cloudflare saw
  n INTEGER NOT NULL,
  chained INTEGER NOT NULL DEFAULT 0,  -- 1 once its minute's summary entry is in the chain
  PRIMARY KEY (minute, source)
) WITHOUT ROWID;
CREATE INDEX unauthenticated_requests_unchained ON unauthenticated_requests (chained, minute);
