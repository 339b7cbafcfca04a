import { AuditRecord } from "../../schemas/audit";
import { type Delivery, Webhooks } from "../../schemas/notifications";
import { RECORD_COLUMNS } from "../audit/records";
import { parseJsonVar } from "../config";
import type { Env } from "../env";
import { eventOf } from "./events";

const PAGE = 500;

export function webhooksOf(env: Env): Webhooks {
  return parseJsonVar(Webhooks, env.NOTIFY_WEBHOOKS, "NOTIFY_WEBHOOKS", "[]");
}

/**
 * The outbox (docs/NOTIFICATIONS.md): audit entries after the cursor that are notifiable become one queue message per
 * destination; the cursor moves only after the messages are sent. A crash in between sends them again (delivery
 * is at least once; receivers deduplicate by event id), never drops them.
 */
export async function dispatchNotifications(env: Env, origin: string): Promise<{ events: number; messages: number; through: number }> {
  const db = env.CATALOG_DB;
  const hooks = webhooksOf(env);
  const cursor = (await db.prepare(`SELECT last_audit_id FROM notify_state WHERE id = 1`).first<number>("last_audit_id")) ?? 0;
  const { results } = await db.prepare(`SELECT ${RECORD_COLUMNS} FROM audit_log WHERE id > ? ORDER BY id LIMIT ?`).bind(cursor, PAGE).all<AuditRecord>();
  const messages: { body: Delivery }[] = [];
  let events = 0;
  for (const row of results) {
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
