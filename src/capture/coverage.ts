import type { ReplayPlan } from "../../schemas/capture";
import { type BackupRow, getBackup } from "../catalog/backups";
import { type BreakRow, captureBases, getCaptureState, listBreaks } from "../catalog/capture";
import type { Env } from "../env";
import { VaultlineError } from "../errors";
import { CAPTURE_SOURCE } from "./ship";

/** A stretch of time any instant of which a point-in-time restore can reach, from one full backup. */
export interface RestoreRange {
  from: string;
  to: string;
  base_backup_id: string;
  /** Why the range ends: `now` (the shipper's latest run), or the break that stops the chain. */
  ends: "now" | BreakRow["kind"];
}

interface Base {
  id: string;
  seq_start: number;
  seq_end: number;
  as_of: number;
}
interface Range {
  from: number;
  to: number;
  base: Base;
  ends: RestoreRange["ends"];
}

export class NotRestorableError extends VaultlineError {
  constructor(message: string, nearest: { before: string | null; after: string | null }) {
    super("not_restorable", message, 422, "target_timestamp");
    this.details = { nearest_restorable: nearest };
  }
}

/** How many recent full backups coverage is computed from. */
const BASES = 500;

/**
 * The instants a point-in-time restore can reach: from each full backup taken with change capture, forward
 * through the shipped change log until the first break after it (a gap, a schema change, a restore), or until
 * the shipper's latest covered instant.
 */
async function ranges(env: Env): Promise<{ ranges: Range[]; covered_until: number | null }> {
  const bases: Base[] = await captureBases(env.CATALOG_DB, BASES);
  const breaks = await listBreaks(env.CATALOG_DB, CAPTURE_SOURCE);
  const state = await getCaptureState(env.CATALOG_DB, CAPTURE_SOURCE);
  const out: Range[] = [];
  for (const base of bases.reverse()) {
    // A hole inside the backup's own scan window: its rows cannot be made consistent.
    if (breaks.some((b) => b.kind === "gap" && b.after_seq >= base.seq_start && b.after_seq < base.seq_end)) continue;
    // A break after the base's scan ends its chain. (Recorded after the base, too: a log dropped and installed again
    // restarts its sequence numbers, and an old break's number then says nothing about a new base.)
    const stop = breaks.find(
      (b) => b.after_seq >= base.seq_end && (b.known_until >= base.as_of || Date.parse(b.recorded_at) >= base.as_of),
    );
    if (stop) out.push({ from: base.as_of, to: Math.max(stop.known_until, base.as_of), base, ends: stop.kind });
    else if (state && state.last_seq >= base.seq_end && state.covered_until !== null && state.covered_until >= base.as_of)
      out.push({ from: base.as_of, to: state.covered_until, base, ends: "now" });
    else out.push({ from: base.as_of, to: base.as_of, base, ends: "now" });
  }
  return { ranges: out, covered_until: state?.covered_until ?? null };
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The newest instant the database can be restored to right now, from what is really restorable: the end of the
 * newest range (a break ends a range where it happened, however recently the shipper ran). Null without capture.
 */
export async function restorableUntil(env: Env): Promise<number | null> {
  const { ranges: rs } = await ranges(env);
  return rs.length ? Math.max(...rs.map((r) => r.to)) : null;
}

/** The database's restorable ranges (ms): what restore-points lists, for the compliance report's RPO. */
export async function restorableRanges(env: Env): Promise<{ from: number; to: number }[]> {
  return (await ranges(env)).ranges.map((r) => ({ from: r.from, to: r.to }));
}

export async function restorePoints(
  env: Env,
): Promise<{ ranges: RestoreRange[]; merged: { from: string; to: string }[]; latest: string | null; rpo_seconds: number | null }> {
  const { ranges: rs } = await ranges(env);
  const merged: { from: number; to: number }[] = [];
  for (const r of [...rs].sort((a, b) => a.from - b.from)) {
    const last = merged.at(-1);
    if (last && r.from <= last.to) last.to = Math.max(last.to, r.to);
    else merged.push({ from: r.from, to: r.to });
  }
  const latest = rs.length ? Math.max(...rs.map((r) => r.to)) : null;
  return {
    ranges: rs.map((r) => ({ from: iso(r.from), to: iso(r.to), base_backup_id: r.base.id, ends: r.ends })),
    merged: merged.map((m) => ({ from: iso(m.from), to: iso(m.to) })),
    latest: latest === null ? null : iso(latest),
    // What is restorable, not what was shipped: past a break, shipping goes on but restoring cannot reach it.
    rpo_seconds: latest === null ? null : Math.max(0, Math.round((Date.now() - latest) / 1000)),
  };
}

/**
 * The base backup and the replay that give the database exactly as it was at `at` (ms): the latest full backup at
 * or before it whose chain reaches it. Refused, with the reason and the nearest restorable instants, otherwise.
 */
export async function planPointInTime(env: Env, at: number): Promise<{ base: BackupRow; replay: ReplayPlan }> {
  const { ranges: rs } = await ranges(env);
  const hit = rs.filter((r) => r.from <= at && at <= r.to).sort((a, b) => b.from - a.from)[0];
  if (hit) {
    const base = await getBackup(env.CATALOG_DB, hit.base.id);
    if (!base) throw new VaultlineError("not_found", `backup ${hit.base.id} is no longer in the catalog`, 404);
    return { base, replay: { after_seq: hit.base.seq_start, through_seq: hit.base.seq_end, until_ms: at } };
  }
  const before = rs.filter((r) => r.to < at).map((r) => r.to);
  const after = rs.filter((r) => r.from > at).map((r) => r.from);
  const nearest = { before: before.length ? iso(Math.max(...before)) : null, after: after.length ? iso(Math.min(...after)) : null };
  const when = iso(at);
  const prev = rs.filter((r) => r.to < at).sort((a, b) => b.to - a.to)[0];
  let why: string;
  if (at > Date.now()) why = `${when} is in the future`;
  else if (!rs.length) why = `no full database backup with change capture exists yet, so no instant can be restored`;
  else if (at < Math.min(...rs.map((r) => r.from))) why = `${when} is before the first full backup with change capture`;
  else if (prev && prev.ends !== "now")
    why = `${when} is past a ${prev.ends} break in the change log (coverage ends at ${iso(prev.to)}); instants after it are covered from the next full backup on`;
  else if (!after.length) why = `${when} is after the latest covered instant: changes made since are not shipped yet`;
  else why = `${when} falls in a gap in coverage`;
  const hints = [
    nearest.before && `latest restorable before it: ${nearest.before}`,
    nearest.after && `earliest after it: ${nearest.after}`,
  ].filter(Boolean);
  throw new NotRestorableError(`${why}${hints.length ? `; ${hints.join("; ")}` : ""}`, nearest);
}
