-- Break-glass uses (docs/runbooks/provider-down.md): one row per signed request, so its signatures start one restore
-- and never a second one.
CREATE TABLE break_glass_uses (
  digest TEXT PRIMARY KEY,              -- SHA-256 of the request's canonical JSON
  restore_id TEXT NOT NULL,
  custodians TEXT NOT NULL,             -- JSON array of the custodians whose signatures verified
  operator TEXT NOT NULL,
  reason TEXT NOT NULL,
  used_at TEXT NOT NULL
);
