/** `break_glass_uses`: each signed break-glass request, used once. */

/** Records a use; false when this request was used before (its digest is taken). */
export async function recordBreakGlassUse(
  db: D1Database,
  u: { digest: string; restore_id: string; custodians: string[]; operator: string; reason: string },
): Promise<boolean> {
  const r = await db
    .prepare(
      `INSERT INTO break_glass_uses (digest, restore_id, custodians, operator, reason, used_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (digest) DO NOTHING`,
    )
    .bind(u.digest, u.restore_id, JSON.stringify(u.custodians), u.operator, u.reason, new Date().toISOString())
    .run();
  return r.meta.changes === 1;
}

export async function breakGlassUse(db: D1Database, digest: string): Promise<{ restore_id: string; used_at: string } | null> {
  return db.prepare(`SELECT restore_id, used_at FROM break_glass_uses WHERE digest = ?`).bind(digest).first();
}

/** Names the restore a claimed use started. */
export async function setBreakGlassRestore(db: D1Database, digest: string, restoreId: string): Promise<void> {
  await db.prepare(`UPDATE break_glass_uses SET restore_id = ? WHERE digest = ?`).bind(restoreId, digest).run();
}

/** Gives a claimed use back when its restore could not start (nothing ran: the request may be sent again). */
export async function releaseBreakGlassUse(db: D1Database, digest: string): Promise<void> {
  await db.prepare(`DELETE FROM break_glass_uses WHERE digest = ? AND restore_id = 'starting'`).bind(digest).run();
}
