// The change feed's marks in the provider's database (written by the session contract, src/sessions/contract.ts):
// what the shipper reads and, once an object's state is in the repository, removes.
import { ident } from "../db/sql";
import { MARKS_TABLE } from "./contract";

export interface Mark {
  name: string;
  token: string;
  changed_at: number;
  /** False when the object has left the registry (it deleted its state): the feed ships its deletion. */
  registered: boolean;
}

/** Whether any object ever marked itself: the feed is on once one has (the contract creates the table). */
export async function marksTableExists(db: D1Database): Promise<boolean> {
  return (await db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").bind(MARKS_TABLE).first()) !== null;
}

/** Up to `limit` marks after `after` in name order (the table's key), each with whether its object is registered. */
export async function marksPage(
  db: D1Database,
  registry: { namespace: string; table: string },
  after: string,
  limit: number,
): Promise<Mark[]> {
  const { results } = await db
    .prepare(
      `SELECT m.name AS name, m.token AS token, m.changed_at AS changed_at,
         EXISTS (SELECT 1 FROM ${ident(registry.table)} r WHERE r.namespace = m.namespace AND r.name = m.name) AS registered
       FROM ${ident(MARKS_TABLE)} m WHERE m.namespace = ? AND m.name > ? ORDER BY m.name LIMIT ?`,
    )
    .bind(registry.namespace, after, limit)
    .all<{ name: string; token: string; changed_at: number; registered: number }>();
  return results.map((r) => ({ ...r, registered: r.registered === 1 }));
}

/** Removes the marks of shipped objects, each only if it still holds the token read: a newer mark stays. */
export async function clearMarks(db: D1Database, namespace: string, marks: Pick<Mark, "name" | "token">[]): Promise<void> {
  for (let i = 0; i < marks.length; i += 100) {
    const part = marks.slice(i, i + 100);
    if (part.length)
      await db.batch(
        part.map((m) =>
          db.prepare(`DELETE FROM ${ident(MARKS_TABLE)} WHERE namespace = ? AND name = ? AND token = ?`).bind(namespace, m.name, m.token),
        ),
      );
  }
}
