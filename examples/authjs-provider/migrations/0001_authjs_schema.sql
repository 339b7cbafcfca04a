-- A provider laid out like Auth.js's D1 adapter schema (with Lucia-style keys): TEXT ids (UUIDs), no AUTOINCREMENT,
-- camelCase columns, and a foreign key from every table a user owns to "users".
CREATE TABLE "users" (
  "id" TEXT NOT NULL PRIMARY KEY,
  "name" TEXT,
  "email" TEXT NOT NULL UNIQUE,
  "emailVerified" INTEGER,
  "image" TEXT
);

CREATE TABLE "accounts" (
  "id" TEXT NOT NULL PRIMARY KEY,
  "userId" TEXT NOT NULL REFERENCES "users"("id") ON DELETE CASCADE,
  "type" TEXT NOT NULL,
  "provider" TEXT NOT NULL,
  "providerAccountId" TEXT NOT NULL,
  "refresh_token" TEXT,
  "access_token" TEXT,
  "expires_at" INTEGER,
  "token_type" TEXT,
  "scope" TEXT,
  "id_token" TEXT,
  "session_state" TEXT,
  UNIQUE ("provider", "providerAccountId")
);

CREATE TABLE "sessions" (
  "id" TEXT NOT NULL PRIMARY KEY,
  "sessionToken" TEXT NOT NULL UNIQUE,
  "userId" TEXT NOT NULL REFERENCES "users"("id") ON DELETE CASCADE,
  "expires" INTEGER NOT NULL
);

CREATE TABLE "verification_tokens" (
  "identifier" TEXT NOT NULL,
  "token" TEXT NOT NULL,
  "expires" INTEGER NOT NULL,
  PRIMARY KEY ("identifier", "token")
) WITHOUT ROWID;

CREATE TABLE "keys" (
  "id" TEXT NOT NULL PRIMARY KEY,
  "userId" TEXT NOT NULL REFERENCES "users"("id") ON DELETE CASCADE,
  "hashedPassword" TEXT,
  "createdAt" INTEGER NOT NULL
);

-- A rate-limit counter: hot, worthless after a minute, left out of backups by the profile.
CREATE TABLE "rate_limits" (
  "key" TEXT NOT NULL PRIMARY KEY,
  "count" INTEGER NOT NULL,
  "resetAt" INTEGER NOT NULL
);

CREATE INDEX "accounts_userId_idx" ON "accounts" ("userId");
CREATE INDEX "sessions_userId_idx" ON "sessions" ("userId");
CREATE INDEX "keys_userId_idx" ON "keys" ("userId");
