import type { AuditQuery, AuditRecord } from "../../schemas/audit";
import { RECORD_COLUMNS } from "./records";

/** Entries matching every given filter, newest first; `before` pages backwards by id. */
export async function queryAudit(db: D1Database, q: AuditQuery): Promise<{ entries: AuditRecord[]; next_before: number | null }> {
  const where: string[] = [];
  const args: unknown[] = [];
  const add = (sql: string, v: unknown) => {
    where.push(sql);
    args.push(v);
  };
  if (q.actor !== undefined) add("actor = ?", q.actor);
  // An action filter matches the whole action or its prefix up to a dot or space ("backup" finds "backup.completed").
  if (q.action !== undefined) {
    where.push("(action = ? OR action LIKE ? ESCAPE '\\' OR action LIKE ? ESCAPE '\\')");
    const esc = q.action.replace(/[\\%_]/g, (m) => `\\${m}`);
    args.push(q.action, `${esc}.%`, `${esc} %`);
  }
  if (q.target !== undefined) add("target = ?", q.target);
  if (q.from !== undefined) add("at >= ?", new Date(q.from).toISOString());
  if (q.to !== undefined) add("at <= ?", new Date(q.to).toISOString());
  if (q.outcome !== undefined) add("outcome = ?", q.outcome);
  if (q.before !== undefined) add("id < ?", q.before);
  const sql = `SELECT ${RECORD_COLUMNS} FROM audit_log ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT ?`;
  const { results } = await db.prepare(sql).bind(...args, q.limit + 1).all<AuditRecord>();
  const more = results.length > q.limit;
  const entries = results.slice(0, q.limit);
  return { entries, next_before: more ? entries[entries.length - 1]!.id : null };
}
