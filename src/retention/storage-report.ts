import { latestStorageSample, logicalBytesByComponent, storageHistory } from "../catalog/storage-samples";
import type { Env } from "../env";
import { currentPolicy } from "./policies";
import { PRICE_PER_GB_MONTH } from "./storage";

const GB = 1e9;
const DAY = 86_400_000;

/**
 * Storage as the operator sees it (docs/RETENTION.md): the latest sample by area and tier with a monthly cost
 * estimate per tier; logical bytes per component (what the kept backups hold) against the physical chunk bytes (the
 * deduplication ratio); every sample's total over time; and a linear forecast of when the trend reaches the budget.
 */
export async function storageReport(env: Env) {
  const db = env.CATALOG_DB;
  const { at: latestAt, areas: latest } = await latestStorageSample(db);
  const tiers = (["Standard", "InfrequentAccess"] as const).map((tier) => {
    const bytes = latest.filter((a) => a.tier === tier).reduce((n, a) => n + a.bytes, 0);
    return { tier, bytes, monthly_cost_usd: round((bytes / GB) * PRICE_PER_GB_MONTH[tier]) };
  });
  const components = await logicalBytesByComponent(db);
  const chunkAreas = latest.filter((a) => a.area === "chunks");
  const physical = chunkAreas.reduce((n, a) => n + a.bytes, 0);
  const stored = chunkAreas.reduce((n, a) => n + a.objects, 0);
  const logical = components.reduce((n, c) => n + (c.logical_bytes ?? 0), 0);
  const refs = components.reduce((n, c) => n + (c.chunk_refs ?? 0), 0);
  const history = await storageHistory(db);
  const budget = (await currentPolicy(env)).policy.storage_budget_bytes ?? null;
  return {
    sampled_at: latestAt,
    areas: latest,
    tiers,
    components,
    /** Chunk references of the kept backups per chunk stored: what deduplication saves. */
    dedup_ratio: stored > 0 ? round(refs / stored) : null,
    /** Logical bytes of the kept backups per byte stored: deduplication and compression together. */
    reduction_ratio: physical > 0 ? round(logical / physical) : null,
    history,
    forecast: forecast(history, budget),
  };
}

/** Least-squares growth over the samples (bytes a day) and when it reaches `budget`, if it grows. */
export function forecast(history: { at: string; bytes: number }[], budget: number | null) {
  if (history.length < 2) return { bytes_per_day: null, budget_bytes: budget, budget_reached_at: null, note: "needs two samples or more" };
  const xs = history.map((h) => Date.parse(h.at) / DAY);
  const ys = history.map((h) => h.bytes);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const sxx = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  const slope = sxx === 0 ? 0 : xs.reduce((a, x, i) => a + (x - mx) * (ys[i]! - my), 0) / sxx;
  const last = history[history.length - 1]!;
  let reached: string | null = null;
  if (budget !== null && last.bytes >= budget) reached = last.at;
  else if (budget !== null && slope > 0) reached = new Date(Date.parse(last.at) + ((budget - last.bytes) / slope) * DAY).toISOString();
  return {
    bytes_per_day: Math.round(slope),
    budget_bytes: budget,
    budget_reached_at: reached,
    note: budget === null ? "no storage_budget_bytes in the policy" : slope <= 0 && !reached ? "not growing" : null,
  };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
