import { z } from "zod";

/** NOTIFY_WEBHOOKS: where events go. `events` filters by type prefix ("backup.failed", "alert", ...); default all. */
export const Webhooks = z.array(z.strictObject({ url: z.url(), events: z.array(z.string()).optional() }));
export type Webhooks = z.infer<typeof Webhooks>;

/** One event as delivered: the JSON body of a webhook. `text` is Slack-compatible. */
export const NotificationEvent = z.object({
  id: z.string(),
  type: z.string(),
  at: z.string(),
  severity: z.enum(["info", "warning", "critical"]),
  summary: z.string(),
  text: z.string(),
  target: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
});
export type NotificationEvent = z.infer<typeof NotificationEvent>;

/** A queue message: one event for one destination, so a failing receiver never holds up (or re-sends to) the others. */
export const Delivery = z.object({ event: NotificationEvent, destination: z.string() });
export type Delivery = z.infer<typeof Delivery>;
