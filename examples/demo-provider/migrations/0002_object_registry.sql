-- Durable Objects cannot be listed from a Worker: objects that hold state register here (docs/SESSIONS.md).
CREATE TABLE durable_object_registry (
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  registered_at INTEGER NOT NULL,
  PRIMARY KEY (namespace, name)
) WITHOUT ROWID;
