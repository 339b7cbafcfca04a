/**
 * Deterministic example data for the Auth.js-style provider: users with UUID ids, their OAuth accounts, sessions
 * and password keys, verification tokens, and a rate-limit counter (left out of backups). The same count gives
 * the same rows.
 */
export function uuid(n: number): string {
  const h = (x: number) => (x >>> 0).toString(16).padStart(8, "0");
  const a = h(Math.imul(n + 1, 2654435761));
  const b = h(Math.imul(n + 7, 40503));
  return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-a${a.slice(1, 4)}-${h(n)}${b.slice(0, 4)}`;
}

export async function seedAuthjs(db: D1Database, opts: { users: number; now?: number }): Promise<number> {
  const now = opts.now ?? 1_800_000_000_000;
  const stmts: D1PreparedStatement[] = [];
  for (let i = 0; i < opts.users; i++) {
    const id = uuid(i);
    stmts.push(
      db
        .prepare(`INSERT INTO "users" VALUES (?, ?, ?, ?, ?)`)
        .bind(id, i % 5 ? `User ${i} Ünïcødé` : null, `user${i}@example.org`, i % 3 ? now - i * 1000 : null, null),
    );
    stmts.push(
      db
        .prepare(
          `INSERT INTO "accounts" ("id", "userId", "type", "provider", "providerAccountId", "access_token", "expires_at", "token_type", "scope") VALUES (?, ?, 'oauth', ?, ?, ?, ?, 'bearer', 'openid email')`,
        )
        .bind(uuid(100_000 + i), id, i % 2 ? "github" : "google", `acct-${i}`, `at-${i}`, Math.floor(now / 1000) + 3600),
    );
    stmts.push(
      db
        .prepare(`INSERT INTO "sessions" VALUES (?, ?, ?, ?)`)
        .bind(uuid(200_000 + i), `st-${uuid(300_000 + i)}`, id, now + (i % 7) * 86_400_000),
    );
    if (i % 2 === 0)
      stmts.push(db.prepare(`INSERT INTO "keys" VALUES (?, ?, ?, ?)`).bind(`email:user${i}@example.org`, id, `scrypt$${i}`, now - i));
    if (i % 10 === 0)
      stmts.push(db.prepare(`INSERT INTO "verification_tokens" VALUES (?, ?, ?)`).bind(`user${i}@example.org`, `vt-${i}`, now + 600_000));
  }
  stmts.push(db.prepare(`INSERT OR REPLACE INTO "rate_limits" VALUES ('ip:203.0.113.9', 3, ?)`).bind(now + 60_000));
  for (let i = 0; i < stmts.length; i += 200) await db.batch(stmts.slice(i, i + 200));
  return stmts.length;
}
