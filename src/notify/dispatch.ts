import { AuditRecord } from "../../schemas/audit";
import { type Delivery, Webhooks } from "../../schemas/notifications";
import { parseJsonVar } from "../config";
import type { Env } from "../env";
import { audit, countActions, recordsAfter } from "../catalog/audit-log";
import { eventOf } from "./events";
import { advanceOutbox, lastDigestAt, outboxCursor, runFigures, setLastDigestAt } from "../catalog/notifications";

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
const EMAIL_EVENTS = [
  "backup.failed",
  "restore.failed",
  "restore.rolled_back",
  "restore.cancelled",
  "test_restore.failed",
  "retention.failed",
  "key.rotation.failed",
  "scrub.unrepairable",
  "alert.",
  "approval.waiting",
  "digest.",
];

/**
 * The outbox (docs/NOTIFICATIONS.md): audit entries after the cursor that are notifiable become one queue message per
 * destination; the cursor moves only after the messages are sent. A crash in between sends them again (delivery
 * is at least once; receivers deduplicate by event id), never drops them.
 */
export async function dispatchNotifications(env: Env, origin: string): Promise<{ events: number; messages: number; through: number }> {
  const db = env.CATALOG_DB;
  const hooks = destinationsOf(env);
  const cursor = await outboxCursor(db);
  const results = await recordsAfter(db, cursor, PAGE);
  const messages: { body: Delivery }[] = [];
  let events = 0;
  for (const row of results) {
    await recordMetric(env, row);
    const event = eventOf(AuditRecord.parse(row), origin);
    if (!event) continue;
    events++;
    for (const h of hooks)
      if (!h.events || h.events.some((p) => event.type.startsWith(p))) messages.push({ body: { event, destination: h.url } });
  }
  for (let i = 0; i < messages.length; i += 100) await env.BACKUP_QUEUE.sendBatch(messages.slice(i, i + 100));
  const through = results.at(-1)?.id ?? cursor;
  if (through !== cursor) await advanceOutbox(db, cursor, through);
  return { events, messages: messages.length, through };
}

/**
 * The daily digest (task `digest`): one event counting what completed since the last digest, by kind, so people
 * who receive only failures at once still see every day that things worked. Audited, and so sent like any event.
 */
export async function dailyDigest(env: Env): Promise<{ since: string; until: string; counts: Record<string, number> }> {
  const db = env.CATALOG_DB;
  const until = new Date().toISOString();
  const since = (await lastDigestAt(db)) ?? new Date(Date.now() - 86_400_000).toISOString();
  const results = await countActions(db, since, until, [
    "backup.completed",
    "restore.completed",
    "test_restore.passed",
    "retention.completed",
    "key.rotation.completed",
  ]);
  const counts = Object.fromEntries(results.map((r) => [r.action, r.n]));
  await audit(db, {
    actor: "system:notify",
    action: "digest.daily",
    target: until.slice(0, 10),
    outcome: 1,
    detail: { since, until, counts },
  });
  await setLastDigestAt(db, until);
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
  const r = await runFigures(env.CATALOG_DB, kind as "backup" | "restore" | "test_restore", row.target);
  if (!r) return;
  env.METRICS.writeDataPoint({
    indexes: [kind!],
    blobs: [kind!, r.what, outcome!],
    doubles: [r.duration_ms ?? 0, r.raw_bytes ?? 0, r.stored_bytes ?? 0, r.rows ?? 0],
  });
}
