import type { TableInfo } from "../../schemas/manifest";
import { readSchema } from "../db/schema";
import { ident } from "../db/sql";
import { CHANGE_LOG, CREATE_CHANGE_LOG, hasChangeLog, highWater } from "./log";
import { captureTriggers, TRIGGER_PREFIX } from "./triggers";

export interface InstallReport {
  /** Per table: what install did to its triggers. */
  tables: { name: string; action: "installed" | "upgraded" | "unchanged" }[];
  /** Capture triggers dropped because their table is gone or changed shape. */
  removed: string[];
  high_water: number;
}

async function captureTriggersIn(db: D1Database): Promise<Map<string, string>> {
  const { results } = await db
    .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND substr(name, 1, ?) = ?")
    .bind(TRIGGER_PREFIX.length, TRIGGER_PREFIX)
    .all<{ name: string; sql: string }>();
  return new Map(results.map((r) => [r.name, r.sql]));
}

/**
 * Installs or upgrades change capture: the change log, then three triggers on every user table. Idempotent:
 * triggers whose SQL is already right are left alone; a table whose shape changed (a column added) gets its
 * triggers replaced, drop and create in one transaction so no write slips between them. DDL goes through the
 * binding one prepared statement at a time (wrangler's SQL-file splitter has broken trigger bodies before).
 * Also answers the captured tables' shapes, against which the shipper checks each logged row.
 */
export async function installCapture(db: D1Database, exclude: string[] = []): Promise<{ report: InstallReport; shapes: TableInfo[] }> {
  await db.prepare(CREATE_CHANGE_LOG).run();
  const schema = await readSchema(db, exclude);
  const existing = await captureTriggersIn(db);
  const wanted = new Set<string>();
  const tables: InstallReport["tables"] = [];
  for (const t of schema.tables) {
    const defs = captureTriggers(t);
    for (const d of defs) wanted.add(d.name);
    const stale = defs.filter((d) => existing.get(d.name) !== d.sql);
    if (!stale.length) {
      tables.push({ name: t.name, action: "unchanged" });
      continue;
    }
    const upgraded = stale.some((d) => existing.has(d.name));
    await db.batch(stale.flatMap((d) => [db.prepare(`DROP TRIGGER IF EXISTS ${ident(d.name)}`), db.prepare(d.sql)]));
    tables.push({ name: t.name, action: upgraded ? "upgraded" : "installed" });
  }
  const removed = [...existing.keys()].filter((n) => !wanted.has(n));
  for (const n of removed) await db.prepare(`DROP TRIGGER IF EXISTS ${ident(n)}`).run();
  return { report: { tables, removed, high_water: (await highWater(db)) ?? 0 }, shapes: schema.tables };
}

/** Removes every capture trigger, then the change log. Callers ship what is left in the log first. */
export async function removeCapture(db: D1Database): Promise<{ triggers: number; log_dropped: boolean }> {
  const existing = await captureTriggersIn(db);
  for (const n of existing.keys()) await db.prepare(`DROP TRIGGER IF EXISTS ${ident(n)}`).run();
  const had = await hasChangeLog(db);
  if (had) await db.prepare(`DROP TABLE ${ident(CHANGE_LOG)}`).run();
  return { triggers: existing.size, log_dropped: had };
}

export interface CaptureStatus {
  installed: boolean;
  captured_tables: string[];
  /** User tables without all three triggers: changes to them are not captured until install runs again. */
  uncaptured_tables: string[];
  high_water: number | null;
  pending_entries: number;
  oldest_pending_at: string | null;
}

export async function captureStatus(db: D1Database, exclude: string[] = []): Promise<CaptureStatus> {
  const installed = await hasChangeLog(db);
  const schema = await readSchema(db, exclude);
  const existing = await captureTriggersIn(db);
  const captured: string[] = [];
  const uncaptured: string[] = [];
  for (const t of schema.tables) (captureTriggers(t).every((d) => existing.get(d.name) === d.sql) ? captured : uncaptured).push(t.name);
  let pending = 0;
  let oldest: number | null = null;
  if (installed) {
    const r = await db
      .prepare(`SELECT count(*) AS n, min(at) AS oldest FROM ${ident(CHANGE_LOG)}`)
      .first<{ n: number; oldest: number | null }>();
    pending = r?.n ?? 0;
    oldest = r?.oldest ?? null;
  }
  return {
    installed,
    captured_tables: captured,
    uncaptured_tables: uncaptured,
    high_water: await highWater(db),
    pending_entries: pending,
    oldest_pending_at: oldest === null ? null : new Date(oldest).toISOString(),
  };
}
