import { AuditRecord } from "../../schemas/audit";
import { type Delivery, Webhooks } from "../../schemas/notifications";
import { RECORD_COLUMNS } from "../audit/records";
import { parseJsonVar } from "../config";
import type { Env } from "../env";
import { audit } from "../audit/append";
import { eventOf } from "./events";

const PAGE = 500;

export function webhooksOf(env: Env): Webhooks {
  return parseJsonVar(Webhooks, env.NOTIFY_WEBHOOKS, "NOTIFY_WEBHOOKS", "[]");
}

/**
 * Every destination: the webhooks, and e-mail to BACKUP_NOTIFICATION_EMAIL when the `EMAIL` (send_email) binding
 * exists. E-mail gets failures and alerts at once; successes reach it in the daily digest only.
 */
export function destinationsOf(env: Env): Webhooks {
  const out = [...webhooksOf(env)];
  if (env.EMAIL && env.BACKUP_NOTIFICATION_EMAIL) out.push({ url: `mailto:${env.BACKUP_NOTIFICATION_EMAIL}`, events: EMAIL_EVENTS });
  return out;
}
const EMAIL_EVENTS = ["backup.failed", "restore.failed", "restore.rolled_back", "restore.cancelled", "test_restore.failed", "retention.failed", "key.rotation.failed", "scrub.unrepairable", "alert.", "approval.waiting", "digest."];

/**
 * The outbox (docs/NOTIFICATIONS.md): audit entries after the cursor that are notifiable become one queue message per
 * destination; the cursor moves only after the messages are sent. A crash in between sends them again (delivery
 * is at least once; receivers deduplicate by event id), never drops them.
 */
export async function dispatchNotifications(env: Env, origin: string): Promise<{ events: number; messages: number; through: number }> {
  const db = env.CATALOG_DB;
  const hooks = destinationsOf(env);
  const cursor = (await db.prepare(`SELECT last_audit_id FROM notify_state WHERE id = 1`).first<number>("last_audit_id")) ?? 0;
  const { results } = await db.prepare(`SELECT ${RECORD_COLUMNS} FROM audit_log WHERE id > ? ORDER BY id LIMIT ?`).bind(cursor, PAGE).all<AuditRecord>();
  const messages: { body: Delivery }[] = [];
  let events = 0;
  for (const row of results) {
    await recordMetric(env, row);
    const event = eventOf(AuditRecord.parse(row), origin);
    if (!event) continue;
    events++;
    for (const h of hooks) if (!h.events || h.events.some((p) => event.type.startsWith(p))) messages.push({ body: { event, destination: h.url } });
  }
  for (let i = 0; i < messages.length; i += 100) await env.BACKUP_QUEUE.sendBatch(messages.slice(i, i + 100));
  const through = results.at(-1)?.id ?? cursor;
  if (through !== cursor) await db.prepare(`UPDATE notify_state SET last_audit_id = ? WHERE id = 1 AND last_audit_id = ?`).bind(through, cursor).run();
  return { events, messages: messages.length, through };
}

/**
 * The daily digest (task `digest`): one event counting what completed since the last digest, by kind, so people
 * who receive only failures at once still see every day that things worked. Audited, and so sent like any event.
 */
export async function dailyDigest(env: Env): Promise<{ since: string; until: string; counts: Record<string, number> }> {
  const db = env.CATALOG_DB;
  const until = new Date().toISOString();
  const since = (await db.prepare(`SELECT last_digest_at FROM notify_state WHERE id = 1`).first<string | null>("last_digest_at")) ?? new Date(Date.now() - 86_400_000).toISOString();
  const { results } = await db
    .prepare(`SELECT action, count(*) AS n FROM audit_log WHERE at > ? AND at <= ? AND action IN ('backup.completed', 'restore.completed', 'test_restore.passed', 'retention.completed', 'key.rotation.completed') GROUP BY action ORDER BY action`)
    .bind(since, until)
    .all<{ action: string; n: number }>();
  const counts = Object.fromEntries(results.map((r) => [r.action, r.n]));
  await audit(db, { actor: "system:notify", action: "digest.daily", target: until.slice(0, 10), outcome: 1, detail: { since, until, counts } });
  await db.prepare(`UPDATE notify_state SET last_digest_at = ? WHERE id = 1`).bind(until).run();
  return { since, until, counts };
}

/**
 * Workers Analytics Engine, where the METRICS dataset is bound: one data point per finished backup, restore or test
 * restore, with its figures from the catalog (which keeps them always; GET /admin/metrics reads them there).
 * blobs: kind, type or target, outcome; doubles: duration ms, raw bytes, stored bytes, rows; index: the kind.
 */
async function recordMetric(env: Env, row: AuditRecord): Promise<void> {
  if (!env.METRICS || !row.target) return;
  const m = /^(backup|restore|test_restore)\.(completed|failed|passed|rolled_back|cancelled)$/.exec(row.action);
  if (!m) return;
  const [, kind, outcome] = m;
  const table = kind === "backup" ? "backups" : kind === "restore" ? "restores" : "test_restores";
  const cols = kind === "backup" ? "type AS what, duration_ms, raw_bytes, stored_bytes, rows" : kind === "restore" ? "target_environment AS what, duration_ms, 0 AS raw_bytes, 0 AS stored_bytes, rows" : "'drill' AS what, rto_ms AS duration_ms, 0 AS raw_bytes, 0 AS stored_bytes, 0 AS rows";
  const r = await env.CATALOG_DB.prepare(`SELECT ${cols} FROM ${table} WHERE id = ?`).bind(row.target).first<{ what: string; duration_ms: number | null; raw_bytes: number | null; stored_bytes: number | null; rows: number | null }>();
  if (!r) return;
  env.METRICS.writeDataPoint({ indexes: [kind!], blobs: [kind!, r.what, outcome!], doubles: [r.duration_ms ?? 0, r.raw_bytes ?? 0, r.stored_bytes ?? 0, r.rows ?? 0] });
}
