import { z } from "zod";
import { markAssetKeys } from "../catalog/asset-watch";
import type { Env } from "../env";

/** The queue R2 event notifications for ASSETS_BUCKET go to, by name (`-staging` after it in staging; docs/OPERATIONS.md). */
export const ASSET_EVENTS_QUEUE = "vaultline-asset-events";

/** An R2 event notification, as the platform delivers it: the fields the feed uses (others pass through). */
const R2Event = z.looseObject({
  action: z.string(),
  object: z.looseObject({ key: z.string().min(1).max(1024) }),
  eventTime: z.iso.datetime({ offset: true }).optional(),
});

/**
 * Consumes R2 event notifications (object created, deleted, copied, lifecycle-deleted): each names a key the asset
 * change feed compares at its next run instead of waiting for the listing pass to reach it. A message that is not an
 * event is acknowledged and counted, never retried: the listing pass is what guarantees coverage either way.
 */
export async function consumeAssetEvents(batch: MessageBatch<unknown>, env: Env): Promise<{ marked: number; ignored: number }> {
  const events: { key: string; at: number }[] = [];
  let ignored = 0;
  for (const msg of batch.messages) {
    const e = R2Event.safeParse(msg.body);
    if (e.success) events.push({ key: e.data.object.key, at: e.data.eventTime ? Date.parse(e.data.eventTime) : Date.now() });
    else ignored++;
  }
  await markAssetKeys(env.CATALOG_DB, events);
  batch.ackAll();
  if (ignored) console.warn(`asset events: ${ignored} message(s) that are not R2 event notifications were dropped`);
  return { marked: events.length, ignored };
}
