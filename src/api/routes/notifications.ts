import { Hono } from "hono";
import { evaluateAlerts } from "../../notify/alerts";
import { destinationName } from "../../notify/deliver";
import { destinationsOf, dispatchNotifications } from "../../notify/dispatch";
import type { AppEnv } from "../app";
import { outboxCursor, recentAlerts, recentDeadLetters } from "../../catalog/notifications";

/** Alerts, the outbox and the dead letters (docs/NOTIFICATIONS.md). */
export function notificationRoutes() {
  const r = new Hono<AppEnv>();
  r.get("/notifications", async (c) => {
    const db = c.env.CATALOG_DB;
    return c.json({
      destinations: destinationsOf(c.env).map((h) => ({ destination: destinationName(h.url), events: h.events ?? "all" })),
      outbox_through_audit_id: await outboxCursor(db),
      alerts: await recentAlerts(db),
      // Recorded without the URL (src/notify/deliver.ts): the host and a digest.
      dead_letters: (await recentDeadLetters(db)).map((d) => ({ ...d, event: JSON.parse(d.event) })),
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
