import { audit, markMinuteChained, unchainedMinutes } from "../catalog/audit-log";

/** Closed minutes one run chains at most; the rest wait for the next run. */
const MINUTES_PER_RUN = 120;
/** Sources named in one minute's summary entry; the rest are counted in `other_sources`. */
const SOURCES_PER_ENTRY = 20;

/**
 * Requests that failed authentication are counted per source and minute (src/api/app.ts), not chained one by one:
 * a flood of bad tokens can neither bury real entries nor slow the chain. Each closed minute becomes one chained
 * entry, `auth.unauthenticated`, naming its busiest sources. Runs with the audit seal (every 5 minutes).
 */
export async function chainUnauthenticated(db: D1Database, now = new Date()): Promise<number> {
  const current = `${now.toISOString().slice(0, 16)}Z`;
  const minutes = await unchainedMinutes(db, current, MINUTES_PER_RUN);
  for (const m of minutes) {
    const named = m.sources.slice(0, SOURCES_PER_ENTRY);
    await audit(db, {
      actor: "anonymous",
      action: "auth.unauthenticated",
      target: m.minute,
      outcome: 401,
      source: "internal",
      detail: {
        requests: m.requests,
        sources: named,
        other_sources: m.sources.length - named.length,
      },
    });
    await markMinuteChained(db, m.minute);
  }
  return minutes.length;
}
