/** Retention policy versions (`retention_policies`): every version is kept; the newest is in force. */
export async function latestPolicyRow(db: D1Database): Promise<{ version: number; policy: string; set_by: string; set_at: string } | null> {
  return db
    .prepare(`SELECT version, policy, set_by, set_at FROM retention_policies ORDER BY version DESC LIMIT 1`)
    .first<{ version: number; policy: string; set_by: string; set_at: string }>();
}

/** Stores a new version; returns its number. */
export async function insertPolicy(db: D1Database, policyJson: string, by: string, at: string): Promise<number> {
  return (await db
    .prepare(`INSERT INTO retention_policies (policy, set_by, set_at) VALUES (?, ?, ?) RETURNING version`)
    .bind(policyJson, by, at)
    .first<number>("version"))!;
}

/** Puts back a version with its own number (a rebuild from the sealed records); false when that version is there. */
export async function insertPolicyVersion(
  db: D1Database,
  v: { version: number; policy: string; set_by: string; set_at: string },
): Promise<boolean> {
  const r = await db
    .prepare(`INSERT INTO retention_policies (version, policy, set_by, set_at) VALUES (?, ?, ?, ?) ON CONFLICT (version) DO NOTHING`)
    .bind(v.version, v.policy, v.set_by, v.set_at)
    .run();
  return r.meta.changes > 0;
}
