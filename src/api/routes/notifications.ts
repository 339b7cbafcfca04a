import { createRoute } from "@hono/zod-openapi";
import { Notifications, NotificationsDispatched } from "../../../schemas/responses";
import { ERRORS, json, routes } from "../openapi";
import { evaluateAlerts } from "../../notify/alerts";
import { destinationName } from "../../notify/deliver";
import { destinationsOf, dispatchNotifications } from "../../notify/dispatch";
import { outboxCursor, recentAlerts, recentDeadLetters } from "../../catalog/notifications";

/** Alerts, the outbox and the dead letters (docs/NOTIFICATIONS.md). */
export function notificationRoutes() {
  const r = routes();
  r.openapi(
    createRoute({
      method: "get",
      path: "/notifications",
      summary: "Alerts, notification destinations, dead letters",
      responses: { 200: json(Notifications, "Notifications"), ...ERRORS },
    }),
    async (c) => {
      const db = c.env.CATALOG_DB;
      return c.json(
        {
          destinations: destinationsOf(c.env).map((h) => ({ destination: destinationName(h.url), events: h.events ?? "all" })),
          outbox_through_audit_id: await outboxCursor(db),
          alerts: await recentAlerts(db),
          // Recorded without the URL (src/notify/deliver.ts): the host and a digest.
          dead_letters: (await recentDeadLetters(db)).map((d) => ({ ...d, event: JSON.parse(d.event) })),
        },
        200,
      );
    },
  );
  /** Evaluates the alerts and sends what the outbox holds now, instead of at the next cron. */
  r.openapi(
    createRoute({
      method: "post",
      path: "/notifications/dispatch",
      summary: "Evaluate alerts and send pending notifications now",
      responses: { 200: json(NotificationsDispatched, "What was sent"), ...ERRORS },
    }),
    async (c) => {
      const alerts = await evaluateAlerts(c.env);
      const sent = await dispatchNotifications(c.env, c.env.PUBLIC_URL ?? new URL(c.req.url).origin);
      return c.json({ alerts, ...sent }, 200);
    },
  );
  return r;
}
