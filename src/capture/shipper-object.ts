import { DurableObject } from "cloudflare:workers";
import { recordShipError } from "../catalog/capture";
import type { Env } from "../env";
import { CAPTURE_SOURCE, type ShipResult, shipChanges } from "./ship";
import { type FeedShipResult, shipSessionFeed } from "../sessions/ship-feed";
import { FEED_SOURCE } from "../feed/run";

/** Seconds between ship runs (CAPTURE_SHIP_INTERVAL_SECONDS, default 2); 0 turns the alarm off (tests ship on demand). */
export function shipIntervalMs(env: Env): number {
  const s = Number(env.CAPTURE_SHIP_INTERVAL_SECONDS ?? "2");
  return Number.isFinite(s) && s > 0 ? Math.max(1, s) * 1000 : 0;
}

/** Seconds between runs of the session change feed (SESSION_SHIP_INTERVAL_SECONDS, default 15); 0 turns it off. */
export function feedIntervalMs(env: Env): number {
  const s = Number((env as { SESSION_SHIP_INTERVAL_SECONDS?: string }).SESSION_SHIP_INTERVAL_SECONDS ?? "15");
  return Number.isFinite(s) && s > 0 ? Math.max(1, s) * 1000 : 0;
}

/**
 * The one shipper of a captured database (the instance named after it), and of the session change feed (the
 * instance named SESSIONS, src/sessions/ship-feed.ts). A Durable Object because two shippers racing would write overlapping
 * segments: every run goes through this object, one at a time, and its alarm ships every few seconds, far below
 * cron's one-minute floor (that is what keeps the RPO under a minute). The cron only re-arms the alarm.
 */
export class CaptureShipper extends DurableObject<Env> {
  private running: Promise<ShipResult> | null = null;
  private feedRunning: Promise<FeedShipResult> | null = null;

  /** Ships the session change feed now, after any run in progress. */
  async shipSessions(): Promise<FeedShipResult> {
    while (this.feedRunning) await this.feedRunning.catch(() => undefined);
    this.feedRunning = shipSessionFeed(this.env).finally(() => {
      this.feedRunning = null;
    });
    return this.feedRunning;
  }

  /** Whether this instance ships the session feed (it was armed as such) rather than a database's log. */
  private get isFeed(): boolean {
    return this.ctx.storage.kv.get("feed") === FEED_SOURCE.sessions;
  }

  /** Ships now, after any run in progress (whose read may have missed the newest entries). */
  async ship(): Promise<ShipResult> {
    while (this.running) await this.running.catch(() => undefined);
    this.running = shipChanges(this.env).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Arms the alarm when the interval is on and none is set. Returns when it will fire (ms), or null. */
  async ensureScheduled(feed?: "SESSIONS"): Promise<number | null> {
    if (feed) this.ctx.storage.kv.put("feed", feed);
    const every = this.isFeed ? feedIntervalMs(this.env) : shipIntervalMs(this.env);
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
    const feed = this.isFeed;
    try {
      more = (feed ? await this.shipSessions() : await this.ship()).more;
    } catch (e) {
      // Recorded where health checks look; the next alarm tries again. Not rethrown: the alarm's own retries would
      // pile up behind the schedule below.
      console.error(feed ? "session feed shipping failed" : "change shipping failed", e);
      await recordShipError(this.env.CATALOG_DB, feed ? FEED_SOURCE.sessions : CAPTURE_SOURCE, (e as Error).message).catch(() => undefined);
    }
    const every = feed ? feedIntervalMs(this.env) : shipIntervalMs(this.env);
    if (every) await this.ctx.storage.setAlarm(Date.now() + (more ? 100 : every));
  }
}

export function shipper(env: Env): DurableObjectStub<CaptureShipper> {
  return env.CAPTURE_SHIPPER.get(env.CAPTURE_SHIPPER.idFromName(CAPTURE_SOURCE));
}

/** The session change feed's shipper: the same class, its own instance. */
export function sessionShipper(env: Env): DurableObjectStub<CaptureShipper> {
  return env.CAPTURE_SHIPPER.get(env.CAPTURE_SHIPPER.idFromName(FEED_SOURCE.sessions));
}
