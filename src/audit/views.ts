import { audit, markViewsChained, unchainedViews } from "../catalog/audit-log";

/** Closed minutes one run chains at most; the rest wait for the next run. */
const MINUTES_PER_RUN = 120;

/**
 * Read-only polls (the dashboard's refresh, marked `X-Vaultline-Poll: 1`) are counted per person, route and minute
 * (src/api/app.ts), not chained one by one: an open tab would otherwise write about 86,000 entries a day. Each closed
 * minute becomes one chained `audit.views` entry per person, with the routes read and how often. Runs with the
 * audit seal (every 5 minutes).
 */
export async function chainViews(db: D1Database, now = new Date()): Promise<number> {
  const current = `${now.toISOString().slice(0, 16)}Z`;
  const views = await unchainedViews(db, current, MINUTES_PER_RUN);
  for (const v of views) {
    await audit(db, {
      actor: v.actor,
      action: "audit.views",
      target: v.minute,
      outcome: 200,
      source: "internal",
      detail: { requests: v.routes.reduce((n, r) => n + r.n, 0), routes: v.routes },
    });
    await markViewsChained(db, v.minute, v.actor);
  }
  return views.length;
}
