import { type Delivery, NotificationEvent } from "../../schemas/notifications";
import type { Env } from "../env";
import { ConfigError } from "../errors";
import { sha256Hex, toHex, utf8 } from "../repo/bytes";
import { insertDeadLetter } from "../catalog/notifications";

/** The signature a receiver checks: HMAC-SHA-256 over `<timestamp>.<body>` with the shared secret, hex (docs/NOTIFICATIONS.md). */
export async function signature(secret: string, timestamp: number, body: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", utf8.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return toHex(await crypto.subtle.sign("HMAC", key, utf8.encode(`${timestamp}.${body}`)));
}

/** Sends one event by e-mail through the send_email binding (NOTIFY_EMAIL_FROM must be on a domain with Email Routing). */
async function email(env: Env, d: Delivery): Promise<void> {
  if (!env.EMAIL) throw new ConfigError("the EMAIL (send_email) binding is missing", "EMAIL");
  const e = NotificationEvent.parse(d.event);
  await env.EMAIL.send({
    from: env.NOTIFY_EMAIL_FROM || "vaultline@localhost",
    to: d.destination.slice("mailto:".length),
    subject: `[Vaultline] ${e.severity}: ${e.summary}`,
    text: `${e.summary}\n\nEvent ${e.id} (${e.type}) at ${e.at}\nTarget: ${e.target ?? "-"}\n\n${JSON.stringify(e.data, null, 2)}\n`,
  });
}

/** Delivers one event to one destination: a webhook POST (anything but a 2xx is a failure the queue retries), or e-mail. */
export async function deliver(env: Env, d: Delivery): Promise<void> {
  if (d.destination.startsWith("mailto:")) return email(env, d);
  const secret = env.WEBHOOK_SIGNING_SECRET;
  if (!secret) throw new ConfigError("WEBHOOK_SIGNING_SECRET is not set: webhooks are signed, always", "WEBHOOK_SIGNING_SECRET");
  const body = JSON.stringify(NotificationEvent.parse(d.event));
  const ts = Math.floor(Date.now() / 1000);
  const res = await fetch(d.destination, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "user-agent": "vaultline-webhooks/1",
      "x-vaultline-event-id": d.event.id,
      "x-vaultline-timestamp": String(ts),
      "x-vaultline-signature": `v1=${await signature(secret, ts, body)}`,
    },
    body,
  });
  await res.body?.cancel();
  if (!res.ok) throw new Error(`${destinationName(d.destination)} answered ${res.status}`);
}

/** A destination as logs and the API show it: a webhook's host (its URL may carry a secret), or the e-mail address. */
export function destinationName(destination: string): string {
  return destination.startsWith("mailto:") ? destination : new URL(destination).host;
}

/** Exponential backoff for a delivery's next attempt: base × 2^(attempts-1), at most 15 minutes. */
export function backoffSeconds(env: Env, attempts: number): number {
  const base = Number(env.NOTIFY_RETRY_BASE_SECONDS ?? 10);
  return Math.min(900, Math.round(base * 2 ** Math.max(0, attempts - 1)));
}

/**
 * The queue consumer. Deliveries retry with backoff; after the queue's max_retries they land in the dead-letter
 * queue, whose consumer records them in `notification_dead_letters` (shown by GET /admin/notifications): nothing is
 * dropped silently.
 */
export async function consume(batch: MessageBatch<Delivery>, env: Env): Promise<void> {
  const dead = batch.queue.endsWith("-dlq");
  for (const msg of batch.messages) {
    if (dead) {
      // Never the webhook's URL (a bearer secret for chat webhooks): its host, and a digest that tells destinations apart.
      const ref = (await sha256Hex(utf8.encode(msg.body.destination))).slice(0, 16);
      await insertDeadLetter(env.CATALOG_DB, {
        id: `${msg.body.event.id}:${ref}`,
        event: JSON.stringify(msg.body.event),
        destination: `${destinationName(msg.body.destination)} #${ref}`,
        attempts: msg.attempts,
      });
      msg.ack();
      continue;
    }
    try {
      await deliver(env, msg.body);
      msg.ack();
    } catch (_e) {
      // The host only: webhook URLs (Slack's, for one) carry their own secret.
      console.warn(`notification ${msg.body.event.id} to ${destinationName(msg.body.destination)} failed (attempt ${msg.attempts})`);
      msg.retry({ delaySeconds: backoffSeconds(env, msg.attempts) });
    }
  }
}
