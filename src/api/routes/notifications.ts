import { Hono } from "hono";
import { evaluateAlerts } from "../../notify/alerts";
import { destinationName } from "../../notify/deliver";
import { destinationsOf, dispatchNotifications } from "../../notify/dispatch";
import type { AppEnv } from "../app";

/** Alerts, the outbox and the dead letters (docs/NOTIFICATIONS.md). */
export function notificationRoutes() {
  const r = new Hono<AppEnv>();
  r.get("/notifications", async (c) => {
    const db = c.env.CATALOG_DB;
    return c.json({
      destinations: destinationsOf(c.env).map((h) => ({ destination: destinationName(h.url), events: h.events ?? "all" })),
      outbox_through_audit_id: await db.prepare(`SELECT last_audit_id FROM notify_state WHERE id = 1`).first<number>("last_audit_id"),
      alerts: (await db.prepare(`SELECT * FROM alerts ORDER BY changed_at DESC LIMIT 200`).all()).results,
      dead_letters: (await db.prepare(`SELECT id, destination, attempts, received_at, event FROM notification_dead_letters ORDER BY received_at DESC LIMIT 200`).all<{ event: string; destination: string }>()).results.map((d) => ({
        ...d,
        destination: destinationName(d.destination),
        event: JSON.parse(d.event),
      })),
    });
  });
  /** Evaluates the alerts and sends what the outbox holds now, instead of at the next cron. */
  r.post("/notifications/dispatch", async (c) => {
    const alerts = await evaluateAlerts(c.env);
    const sent = await dispatchNotifications(c.env, c.env.PUBLIC_URL ?? new URL(c.req.url).origin);
    return c.json({ alerts, ...sent });
  });
  return r;
}
