import { DurableObject } from "cloudflare:workers";
import type { Feed } from "../../schemas/feed";
import { recordShipError } from "../catalog/capture";
import type { Env } from "../env";
import { type AssetFeedResult, shipAssetFeed } from "../assets/ship-feed";
import { FEED_SOURCE } from "../feed/run";
import { type FeedShipResult, shipSessionFeed } from "../sessions/ship-feed";
import { CAPTURE_SOURCE, type ShipResult, shipChanges } from "./ship";

const seconds = (v: string | undefined, fallback: string) => {
  const s = Number(v ?? fallback);
  return Number.isFinite(s) && s > 0 ? Math.max(1, s) * 1000 : 0;
};

/** Seconds between ship runs (CAPTURE_SHIP_INTERVAL_SECONDS, default 2); 0 turns the alarm off (tests ship on demand). */
export function shipIntervalMs(env: Env): number {
  return seconds(env.CAPTURE_SHIP_INTERVAL_SECONDS, "2");
}

/** Seconds between runs of a change feed (SESSION_SHIP_INTERVAL_SECONDS 15, ASSET_SHIP_INTERVAL_SECONDS 30); 0: off. */
export function feedIntervalMs(env: Env, feed: Feed): number {
  const vars = env as { SESSION_SHIP_INTERVAL_SECONDS?: string; ASSET_SHIP_INTERVAL_SECONDS?: string };
  return feed === "sessions" ? seconds(vars.SESSION_SHIP_INTERVAL_SECONDS, "15") : seconds(vars.ASSET_SHIP_INTERVAL_SECONDS, "30");
}

type RunResult = ShipResult | FeedShipResult | AssetFeedResult;

/**
 * The one shipper of a captured database (the instance named after it), and of each change feed (the instances named
 * SESSIONS and ASSETS_BUCKET: src/sessions/ship-feed.ts, src/assets/ship-feed.ts). A Durable Object because two
 * shippers racing would write overlapping segments: every run goes through its object, one at a time, and its alarm
 * ships every few seconds, far below cron's one-minute floor (that is what keeps the RPO under a minute). The cron
 * only re-arms the alarms.
 */
export class CaptureShipper extends DurableObject<Env> {
  private running: Promise<RunResult> | null = null;

  /** One run at a time in this instance: after any run in progress (whose read may have missed the newest changes). */
  private async serialised<R extends RunResult>(run: () => Promise<R>): Promise<R> {
    while (this.running) await this.running.catch(() => undefined);
    const p = run().finally(() => {
      this.running = null;
    });
    this.running = p;
    return p;
  }

  /** Ships the database's change log now. */
  async ship(): Promise<ShipResult> {
    return this.serialised(() => shipChanges(this.env));
  }

  /** Ships the session change feed now. */
  async shipSessions(): Promise<FeedShipResult> {
    return this.serialised(() => shipSessionFeed(this.env));
  }

  /** Ships the asset change feed now. */
  async shipAssets(): Promise<AssetFeedResult> {
    return this.serialised(() => shipAssetFeed(this.env));
  }

  /** The feed this instance ships (it was armed as such), or null for a database's change log. */
  private get feed(): Feed | null {
    const v = this.ctx.storage.kv.get("feed");
    return v === "sessions" || v === "assets" ? v : null;
  }

  private intervalMs(): number {
    const feed = this.feed;
    return feed ? feedIntervalMs(this.env, feed) : shipIntervalMs(this.env);
  }

  /** Arms the alarm when the interval is on and none is set. Returns when it will fire (ms), or null. */
  async ensureScheduled(feed?: Feed): Promise<number | null> {
    if (feed) this.ctx.storage.kv.put("feed", feed);
    const every = this.intervalMs();
    if (!every) {
      await this.ctx.storage.deleteAlarm();
      return null;
    }
    const at = await this.ctx.storage.getAlarm();
    if (at !== null) return at;
    const next = Date.now() + every;
    await this.ctx.storage.setAlarm(next);
    return next;
  }

  override async alarm(): Promise<void> {
    let more = false;
    const feed = this.feed;
    try {
      more = (feed === "sessions" ? await this.shipSessions() : feed === "assets" ? await this.shipAssets() : await this.ship()).more;
    } catch (e) {
      // Recorded where health checks look; the next alarm tries again. Not rethrown: the alarm's own retries would
      // pile up behind the schedule below.
      console.error(`${feed ?? "change-log"} shipping failed`, e);
      await recordShipError(this.env.CATALOG_DB, feed ? FEED_SOURCE[feed] : CAPTURE_SOURCE, (e as Error).message).catch(() => undefined);
    }
    const every = this.intervalMs();
    if (every) await this.ctx.storage.setAlarm(Date.now() + (more ? 100 : every));
  }
}

export function shipper(env: Env): DurableObjectStub<CaptureShipper> {
  return env.CAPTURE_SHIPPER.get(env.CAPTURE_SHIPPER.idFromName(CAPTURE_SOURCE));
}

/** A change feed's shipper: the same class, its own instance. */
export function feedShipper(env: Env, feed: Feed): DurableObjectStub<CaptureShipper> {
  return env.CAPTURE_SHIPPER.get(env.CAPTURE_SHIPPER.idFromName(FEED_SOURCE[feed]));
}

/** Arms a change feed's alarm (its interval) and runs it once now, through its shipper: the cron's and the API's call. */
export async function shipFeedNow(env: Env, feed: Feed): Promise<FeedShipResult | AssetFeedResult> {
  const stub = feedShipper(env, feed);
  await stub.ensureScheduled(feed);
  return feed === "sessions" ? stub.shipSessions() : stub.shipAssets();
}
