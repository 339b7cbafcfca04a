/**
 * The audit trail's tables (docs/AUDIT.md): `audit_log`, the hash chain, and `audit_segments`, what has been sealed
 * to the bucket. Appending, paging and querying; the chain's rules are in src/audit/.
 */
import type { AuditQuery, AuditRecord } from "../../schemas/audit";
import { entryHash, GENESIS } from "../audit/hash";

export const RECORD_COLUMNS = "id, at, actor, action, target, outcome, request_id, source, detail, prev_hash, hash";

export interface AuditEntry {
  actor: string;
  action: string;
  target?: string | null;
  /** HTTP status for API calls; 1 success, 0 failure for internal actions. */
  outcome: number;
  request_id?: string;
  /** From where: the client's address for API calls; "internal" for schedules and workflows. */
  source?: string;
  detail?: object;
}

/** Enough for a burst of a hundred concurrent appenders; each lost race waits a random, growing, capped while. */
const ATTEMPTS = 120;

/**
 * Appends one entry to the hash chain (docs/AUDIT.md). Appends race: each reads the head, hashes onto it and inserts
 * with id = head + 1 only while that head is still the last entry; a loser (primary-key or hash conflict, or the head
 * moved) reads the new head and tries again. Never holds a secret: callers pass subjects and ids, not tokens or keys.
 */
export async function audit(db: D1Database, e: AuditEntry): Promise<void> {
  const at = new Date().toISOString();
  const detail = e.detail ? JSON.stringify(e.detail) : null;
  for (let attempt = 1; ; attempt++) {
    const head = await db.prepare(`SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1`).first<{ id: number; hash: string | null }>();
    const prev = head?.hash ?? GENESIS;
    const row = {
      at,
      actor: e.actor,
      action: e.action,
      target: e.target ?? null,
      outcome: e.outcome,
      request_id: e.request_id ?? null,
      source: e.source ?? "internal",
      detail,
      prev_hash: prev,
    };
    const hash = await entryHash(row);
    try {
      const r = await db
        .prepare(
          `INSERT INTO audit_log (id, at, actor, action, target, outcome, request_id, source, detail, prev_hash, hash)
           SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
           WHERE coalesce((SELECT id FROM audit_log ORDER BY id DESC LIMIT 1), 0) = ?`,
        )
        .bind(
          (head?.id ?? 0) + 1,
          at,
          row.actor,
          row.action,
          row.target,
          row.outcome,
          row.request_id,
          row.source,
          detail,
          prev,
          hash,
          head?.id ?? 0,
        )
        .run();
      if (r.meta.changes === 1) return;
    } catch (err) {
      if (!/UNIQUE|constraint/i.test(String(err))) throw err;
    }
    if (attempt >= ATTEMPTS) throw new Error(`audit append lost ${ATTEMPTS} races for the chain head`);
    await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 4 * attempt)));
  }
}

/** Entries with `from <= id <= to`, in id order (a bounded page: callers pass ranges of at most a page). */
export async function recordsBetween(db: D1Database, from: number, to: number): Promise<AuditRecord[]> {
  const { results } = await db
    .prepare(`SELECT ${RECORD_COLUMNS} FROM audit_log WHERE id BETWEEN ? AND ? ORDER BY id`)
    .bind(from, to)
    .all<AuditRecord>();
  return results;
}

/** Up to `limit` entries after `after`, in id order. */
export async function recordsAfter(db: D1Database, after: number, limit: number): Promise<AuditRecord[]> {
  const { results } = await db
    .prepare(`SELECT ${RECORD_COLUMNS} FROM audit_log WHERE id > ? ORDER BY id LIMIT ?`)
    .bind(after, limit)
    .all<AuditRecord>();
  return results;
}

export async function recordById(db: D1Database, id: number): Promise<AuditRecord | null> {
  return db.prepare(`SELECT ${RECORD_COLUMNS} FROM audit_log WHERE id = ?`).bind(id).first<AuditRecord>();
}

/** The entry whose hash is `hash` (the one an entry links to), if any. */
export async function idOfHash(db: D1Database, hash: string | null): Promise<number | null> {
  return db.prepare(`SELECT id FROM audit_log WHERE hash = ?`).bind(hash).first<number>("id");
}

/** Per action, how many of `actions` happened in `(since, until]`. */
export async function countActions(
  db: D1Database,
  since: string,
  until: string,
  actions: string[],
): Promise<{ action: string; n: number }[]> {
  const { results } = await db
    .prepare(
      `SELECT action, count(*) AS n FROM audit_log WHERE at > ? AND at <= ? AND action IN (SELECT value FROM json_each(?)) GROUP BY action ORDER BY action`,
    )
    .bind(since, until, JSON.stringify(actions))
    .all<{ action: string; n: number }>();
  return results;
}

/** Records a sealed segment (idempotent: a retried seal finds it there). */
export async function insertAuditSegment(
  db: D1Database,
  s: { first_id: number; last: AuditRecord; object_key: string; sha256: string },
): Promise<void> {
  await db
    .prepare(`INSERT OR IGNORE INTO audit_segments (first_id, last_id, last_hash, object_key, sha256, sealed_at) VALUES (?, ?, ?, ?, ?, ?)`)
    .bind(s.first_id, s.last.id, s.last.hash, s.object_key, s.sha256, new Date().toISOString())
    .run();
}

/** The last entry sealed so far (or the one before the chain's first entry, when nothing is). */
export async function sealedThrough(db: D1Database): Promise<number> {
  const chainStart = await db.prepare(`SELECT min(id) AS id FROM audit_log WHERE hash IS NOT NULL`).first<number | null>("id");
  const sealed = await db.prepare(`SELECT max(last_id) AS id FROM audit_segments`).first<number | null>("id");
  return sealed ?? (chainStart ?? 1) - 1;
}

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
  const { results } = await db
    .prepare(sql)
    .bind(...args, q.limit + 1)
    .all<AuditRecord>();
  const more = results.length > q.limit;
  const entries = results.slice(0, q.limit);
  return { entries, next_before: more ? entries[entries.length - 1]!.id : null };
}

/** Counts one request that failed authentication, in its source's row for this minute. */
export async function countUnauthenticated(db: D1Database, source: string, at = new Date()): Promise<void> {
  const minute = `${at.toISOString().slice(0, 16)}Z`;
  await db
    .prepare(
      `INSERT INTO unauthenticated_requests (minute, source, n) VALUES (?, ?, 1)
       ON CONFLICT (minute, source) DO UPDATE SET n = n + 1`,
    )
    .bind(minute, source.slice(0, 100))
    .run();
}

/** The minutes before `before` whose counts are not in the chain yet (at most `limit`), each with its sources. */
export async function unchainedMinutes(
  db: D1Database,
  before: string,
  limit: number,
): Promise<{ minute: string; requests: number; sources: { source: string; n: number }[] }[]> {
  const { results } = await db
    .prepare(
      `SELECT minute, source, n FROM unauthenticated_requests
       WHERE chained = 0 AND minute IN (SELECT DISTINCT minute FROM unauthenticated_requests WHERE chained = 0 AND minute < ? ORDER BY minute LIMIT ?)
       ORDER BY minute, n DESC LIMIT 5000`,
    )
    .bind(before, limit)
    .all<{ minute: string; source: string; n: number }>();
  const out = new Map<string, { minute: string; requests: number; sources: { source: string; n: number }[] }>();
  for (const r of results) {
    const m = out.get(r.minute) ?? { minute: r.minute, requests: 0, sources: [] };
    m.requests += r.n;
    m.sources.push({ source: r.source, n: r.n });
    out.set(r.minute, m);
  }
  return [...out.values()];
}

export async function markMinuteChained(db: D1Database, minute: string): Promise<void> {
  await db.prepare(`UPDATE unauthenticated_requests SET chained = 1 WHERE minute = ?`).bind(minute).run();
}

/** Counts per minute and source, newest first (`GET /admin/audit/unauthenticated`). */
export async function unauthenticatedCounts(
  db: D1Database,
  since: string,
  limit: number,
): Promise<{ minute: string; source: string; n: number; chained: boolean }[]> {
  const { results } = await db
    .prepare(`SELECT minute, source, n, chained FROM unauthenticated_requests WHERE minute >= ? ORDER BY minute DESC, n DESC LIMIT ?`)
    .bind(since, limit)
    .all<{ minute: string; source: string; n: number; chained: number }>();
  return results.map((r) => ({ ...r, chained: r.chained === 1 }));
}

/** One read-only poll, counted for its minute (src/api/app.ts); chained per person and minute (src/audit/views.ts). */
export async function countView(db: D1Database, actor: string, route: string, at = new Date()): Promise<void> {
  const minute = `${at.toISOString().slice(0, 16)}Z`;
  await db
    .prepare(
      `INSERT INTO view_counts (minute, actor, route, n) VALUES (?, ?, ?, 1)
       ON CONFLICT (minute, actor, route) DO UPDATE SET n = n + 1`,
    )
    .bind(minute, actor.slice(0, 200), route.slice(0, 200))
    .run();
}

/** Closed minutes before `before` whose views are not chained yet (at most `limit` minutes), per person. */
export async function unchainedViews(
  db: D1Database,
  before: string,
  limit: number,
): Promise<{ minute: string; actor: string; routes: { route: string; n: number }[] }[]> {
  const { results } = await db
    .prepare(
      `SELECT minute, actor, route, n FROM view_counts
       WHERE chained = 0 AND minute IN (SELECT DISTINCT minute FROM view_counts WHERE chained = 0 AND minute < ? ORDER BY minute LIMIT ?)
       ORDER BY minute, actor, n DESC LIMIT 5000`,
    )
    .bind(before, limit)
    .all<{ minute: string; actor: string; route: string; n: number }>();
  const out = new Map<string, { minute: string; actor: string; routes: { route: string; n: number }[] }>();
  for (const r of results) {
    const key = `${r.minute} ${r.actor}`;
    const m = out.get(key) ?? { minute: r.minute, actor: r.actor, routes: [] };
    m.routes.push({ route: r.route, n: r.n });
    out.set(key, m);
  }
  return [...out.values()];
}

export async function markViewsChained(db: D1Database, minute: string, actor: string): Promise<void> {
  await db.prepare(`UPDATE view_counts SET chained = 1 WHERE minute = ? AND actor = ?`).bind(minute, actor).run();
}
