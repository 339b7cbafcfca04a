-- Notifications and alerts (docs/NOTIFICATIONS.md).
-- The outbox cursor: audit entries up to here have been turned into queue messages.
CREATE TABLE notify_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  last_audit_id INTEGER NOT NULL DEFAULT 0,
  last_digest_at TEXT                    -- the daily digest of successes covers what completed since
);
INSERT INTO notify_state (id, last_audit_id) VALUES (1, 0);

-- Alert conditions: each fires once when it becomes true and resolves once when it stops.
CREATE TABLE alerts (
  key TEXT PRIMARY KEY,                 -- e.g. "overdue:full_database", "rpo:database", "storage:budget"
  state TEXT NOT NULL,                  -- firing | resolved
  message TEXT NOT NULL,
  since TEXT NOT NULL,
  changed_at TEXT NOT NULL
);

-- Deliveries that exhausted their retries (from the dead-letter queue): never dropped silently.
CREATE TABLE notification_dead_letters (
  id TEXT PRIMARY KEY,                  -- event id + destination
  event TEXT NOT NULL,                  -- JSON
  destination TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  received_at TEXT NOT NULL
);
