-- The demo OIDC provider's schema: what Vaultline protects in OIDC_DB.
CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  email TEXT NOT NULL UNIQUE COLLATE NOCASE,
  email_verified INTEGER NOT NULL DEFAULT 0,
  name TEXT,
  given_name TEXT,
  family_name TEXT,
  locale TEXT,
  password_hash TEXT,
  mfa_secret BLOB,
  picture BLOB,
  last_login_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0
);

-- TEXT primary key: an ordinary rowid table whose rowid is not an alias (kept by backups).
CREATE TABLE oauth_clients (
  client_id TEXT PRIMARY KEY,
  client_secret_hash TEXT,
  name TEXT NOT NULL,
  redirect_uris TEXT NOT NULL,
  grant_types TEXT NOT NULL,
  scopes TEXT NOT NULL,
  token_endpoint_auth_method TEXT NOT NULL,
  logo BLOB,
  created_at INTEGER NOT NULL
);

CREATE TABLE signing_keys (
  kid TEXT PRIMARY KEY,
  alg TEXT NOT NULL,
  public_jwk TEXT NOT NULL,
  private_key_enc BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  rotated_at INTEGER,
  active INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE refresh_tokens (
  id INTEGER PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  client_id TEXT NOT NULL REFERENCES oauth_clients(client_id) ON DELETE CASCADE,
  scope TEXT NOT NULL,
  issued_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked_at INTEGER,
  parent_id INTEGER REFERENCES refresh_tokens(id)
);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

CREATE TABLE authorization_codes (
  code_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  client_id TEXT NOT NULL REFERENCES oauth_clients(client_id) ON DELETE CASCADE,
  redirect_uri TEXT NOT NULL,
  scope TEXT NOT NULL,
  code_challenge TEXT,
  code_challenge_method TEXT,
  nonce TEXT,
  expires_at INTEGER NOT NULL,
  consumed_at INTEGER
) WITHOUT ROWID;

-- Composite primary key, WITHOUT ROWID.
CREATE TABLE consents (
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  client_id TEXT NOT NULL REFERENCES oauth_clients(client_id) ON DELETE CASCADE,
  scopes TEXT NOT NULL,
  granted_at REAL NOT NULL,
  PRIMARY KEY (user_id, client_id)
) WITHOUT ROWID;

CREATE TABLE auth_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
  client_id TEXT,
  type TEXT NOT NULL,
  success INTEGER NOT NULL,
  ip TEXT,
  user_agent TEXT,
  detail TEXT,
  at INTEGER NOT NULL
);
CREATE INDEX auth_events_user_at ON auth_events (user_id, at);
CREATE INDEX auth_events_at ON auth_events (at);

CREATE VIEW active_refresh_tokens AS
  SELECT * FROM refresh_tokens WHERE revoked_at IS NULL;
