-- Destructive changes other than restores wait for a second person (docs/ACCESS.md, "Two people"): lowering the
-- retention policy, releasing a legal hold, removing change capture, retiring a master key.
CREATE TABLE change_requests (
  id TEXT PRIMARY KEY,                  -- cr_<time>_<random>
  kind TEXT NOT NULL,                   -- policy | hold_release | capture_remove | key_retire
  target TEXT NOT NULL,                 -- what it changes: "retention", a hold id, OIDC_DB, a master key id
  payload TEXT NOT NULL,                -- JSON: what is applied once approved (the policy, the release reason, ...)
  summary TEXT NOT NULL,                -- what the approver is shown
  requested_by TEXT NOT NULL,
  requested_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,             -- no decision by then: expired
  status TEXT NOT NULL,                 -- awaiting_approval | approved | rejected | expired | applied | failed
  decided_by TEXT,
  decided_at TEXT,
  comment TEXT,
  effective_at TEXT,                    -- approved: applied at or after this (a weakened policy waits)
  applied_at TEXT,
  error TEXT
);
CREATE INDEX change_requests_by_status ON change_requests (status, effective_at);
