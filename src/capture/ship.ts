import { openRepository } from "../repo/open";
import type { ChangeEntry, SegmentRef } from "../../schemas/capture";
import { audit } from "../catalog/audit-log";
import { getCaptureState, recordBreak, recordSegment, saveCaptureState, type CaptureStateRow } from "../catalog/capture";
import type { TableInfo } from "../../schemas/manifest";
import { tupleProblem } from "../db/literals";
import { ident } from "../db/sql";
import type { Env } from "../env";
import { VaultlineError } from "../errors";
import { sha256Hex, utf8 } from "../repo/bytes";
import { Layout } from "../repo/layout";
import type { Repository } from "../repo/repository";
import { installCapture } from "./install";
import { fullBackupAfterBreak } from "./after-break";
import { providerProfile } from "../provider/profile";
import { CHANGE_LOG, hasChangeLog, highWater } from "./log";
import { decodeSegment, encodeSegment } from "./segment";

/** The captured database. One today; the layout and the catalog are keyed by it so more can follow. */
export const CAPTURE_SOURCE = "OIDC_DB" as const;

export class CaptureNotInstalledError extends VaultlineError {
  constructor() {
    super(
      "capture_not_installed",
      "change capture is not installed in OIDC_DB: run `npx vaultline capture install` (POST /admin/capture/install)",
      409,
    );
  }
}

/** A segment closes at whichever comes first. Small enough to read, decrypt and replay in one workflow step. */
export const SEGMENT_MAX_ENTRIES = 20_000;
export const SEGMENT_MAX_BYTES = 8 << 20;
const PAGE = 1000;
/** A write's time is taken when its statement runs; its commit can land a little later. Coverage stays behind by this. */
export const COMMIT_MARGIN_MS = 1000;
/** One ship run stops starting new segments after this long, so an alarm or a step stays bounded under a backlog. */
const RUN_BUDGET_MS = 20_000;

export interface ShipResult {
  segments: SegmentRef[];
  entries: number;
  last_seq: number;
  /** Every change made before this instant (ms) is shipped and verified. */
  covered_until: number | null;
  /** True when the run stopped with entries left (a backlog): call again. */
  more: boolean;
  gaps: { after_seq: number; next_seq: number }[];
  /** Entries refused because they are not what the capture triggers write (docs/CAPTURE.md, "Refused entries"). */
  refused: { seq: number; table: string; reason: string }[];
  schema_changed: string[];
  /** The full backup a break in this run started (a new chain begins with it), if any. */
  full_backup_started?: string | null;
}

interface LogRow {
  seq: number;
  at: number;
  tbl: string;
  op: "I" | "U" | "D";
  key: string;
  row: string | null;
}

/**
 * Ships the change log of the captured database to the repository: contiguous entries become sealed segments
 * named by their sequence range, each read back and checked before the catalog records it and the log is trimmed
 * up to it. A hole in the sequence is recorded as a gap (coverage from earlier bases ends there), never skipped
 * silently. Safe to run twice: a segment written by a run that died before recording it is found by its name
 * and adopted, not written again with another range. Callers serialise runs (src/capture/shipper-object.ts).
 */
export async function shipChanges(env: Env): Promise<ShipResult> {
  const db = env[CAPTURE_SOURCE];
  if (!(await hasChangeLog(db))) throw new CaptureNotInstalledError();
  const began = Date.now();
  const result: ShipResult = {
    segments: [],
    entries: 0,
    last_seq: 0,
    covered_until: null,
    more: false,
    gaps: [],
    refused: [],
    schema_changed: [],
  };

  // Tables added or reshaped since the last run get their triggers now; coverage from older bases ends here.
  const { report: installed, shapes } = await installCapture(db, providerProfile(env).database.exclude_tables);
  const byName = new Map(shapes.map((t) => [t.name, t]));
  const fingerprint = await sha256Hex(utf8.encode(JSON.stringify(installed.tables.map((t) => t.name).sort())));
  const prior = await getCaptureState(env.CATALOG_DB, CAPTURE_SOURCE);
  const changed = installed.tables.filter((t) => t.action !== "unchanged").map((t) => t.name);
  const state: CaptureStateRow = prior ?? {
    source: CAPTURE_SOURCE,
    last_seq: await startingPoint(db),
    covered_until: null,
    schema_fingerprint: fingerprint,
    last_ship_at: null,
    last_error: null,
  };
  if (prior && (changed.length || installed.removed.length || prior.schema_fingerprint !== fingerprint)) {
    result.schema_changed = [...changed, ...installed.removed];
    await recordBreak(env.CATALOG_DB, {
      source: CAPTURE_SOURCE,
      // The old shape is known good through the last run's entries and instant; past them, not any more.
      after_seq: prior.last_seq,
      kind: "schema",
      next_seq: null,
      known_until: prior.covered_until ?? Date.now(),
      detail: `schema changed (${result.schema_changed.join(", ") || "tables"}); take a full backup to restore past this point`,
    });
  }
  state.schema_fingerprint = fingerprint;

  const repo = await openRepository(env);
  const adopted = await adoptOrphan(env, repo, state.last_seq);
  if (adopted) {
    await trim(db, adopted.last_seq);
    state.last_seq = adopted.last_seq;
    await saveCaptureState(env.CATALOG_DB, state);
    result.segments.push(adopted);
    result.entries += adopted.entries;
  }

  let buffer: ChangeEntry[] = [];
  let bytes = 0;
  const flush = async () => {
    if (!buffer.length) return;
    const seg = await writeSegment(env, repo, buffer);
    await trim(db, seg.last_seq);
    state.last_seq = seg.last_seq;
    await saveCaptureState(env.CATALOG_DB, state);
    result.segments.push(seg);
    result.entries += seg.entries;
    buffer = [];
    bytes = 0;
  };

  let cursor = state.last_seq;
  let lastShippedAt: number | null = null;
  for (;;) {
    const readAt = Date.now();
    const { results } = await db
      .prepare(`SELECT seq, at, tbl, op, key, row FROM ${ident(CHANGE_LOG)} WHERE seq > ? ORDER BY seq LIMIT ?`)
      .bind(cursor, PAGE)
      .all<LogRow>();
    for (const r of results) {
      if (r.seq !== cursor + 1) {
        // Entries cursor+1 .. r.seq-1 are gone from the log without being shipped: nothing can bring them back.
        await flush();
        const gap = { after_seq: cursor, next_seq: r.seq };
        result.gaps.push(gap);
        await recordBreak(env.CATALOG_DB, {
          source: CAPTURE_SOURCE,
          ...gap,
          kind: "gap",
          known_until: state.covered_until ?? readAt,
          detail: `change-log entries ${cursor + 1}..${r.seq - 1} were removed before they were shipped`,
        });
        state.last_seq = r.seq - 1;
      }
      cursor = r.seq;
      const problem = entryProblem(r, byName);
      if (problem) {
        // Written by something other than the triggers: never shipped, so no restore can run it.
        await flush();
        result.refused.push({ seq: r.seq, table: r.tbl, reason: problem });
        await recordBreak(env.CATALOG_DB, {
          source: CAPTURE_SOURCE,
          after_seq: r.seq - 1,
          kind: "gap",
          next_seq: r.seq + 1,
          // Exact up to the last change shipped before it.
          known_until: Math.max(lastShippedAt ?? 0, state.covered_until ?? 0) || readAt,
          detail: `change-log entry ${r.seq} was refused and not shipped: ${problem}`,
        });
        await audit(env.CATALOG_DB, {
          actor: "system:capture",
          action: "capture.entry_refused",
          target: `${CAPTURE_SOURCE}#${r.seq}`,
          outcome: 0,
          detail: { table: r.tbl.slice(0, 200), reason: problem },
        });
        await trim(db, r.seq);
        state.last_seq = r.seq;
        await saveCaptureState(env.CATALOG_DB, state);
        continue;
      }
      buffer.push([r.seq, r.at, r.tbl, r.op, r.key, r.row]);
      lastShippedAt = r.at;
      bytes += r.key.length + (r.row?.length ?? 0) + r.tbl.length + 40;
      if (buffer.length >= SEGMENT_MAX_ENTRIES || bytes >= SEGMENT_MAX_BYTES) await flush();
    }
    if (results.length < PAGE) {
      await flush();
      // Everything committed before this read was in it (less the commit margin): that much is now covered.
      state.covered_until = readAt - COMMIT_MARGIN_MS;
      break;
    }
    if (Date.now() - began > RUN_BUDGET_MS && !buffer.length) {
      result.more = true;
      break;
    }
  }
  await saveCaptureState(env.CATALOG_DB, state);
  result.last_seq = state.last_seq;
  result.covered_until = state.covered_until;
  const broke = [
    ...(result.schema_changed.length ? [`schema changed (${result.schema_changed.join(", ")})`] : []),
    ...result.gaps.map((g) => `entries ${g.after_seq + 1}..${g.next_seq - 1} missing`),
    ...result.refused.map((r) => `entry ${r.seq} refused`),
  ];
  if (broke.length) result.full_backup_started = await fullBackupAfterBreak(env, broke.join("; "));
  return result;
}

/**
 * Why a change-log row is not one the capture triggers could have written, or null when it is: a captured table,
 * a known operation, a key and (unless a delete) a row image of exactly the table's values, each a plain literal
 * as quote() renders it. Anyone who can write the provider's database can write the log; what passes here can
 * only ever be bound as values (src/restore/replay.ts, cli/recover/database.ts).
 */
export function entryProblem(r: Pick<LogRow, "tbl" | "op" | "key" | "row">, tables: Map<string, TableInfo>): string | null {
  const t = tables.get(r.tbl);
  if (!t) return `table ${JSON.stringify(r.tbl.slice(0, 80))} is not captured`;
  if (r.op !== "I" && r.op !== "U" && r.op !== "D") return `operation ${JSON.stringify(String(r.op).slice(0, 8))} is not I, U or D`;
  const key = typeof r.key === "string" ? tupleProblem(r.key, t.keyColumns.length) : "is not text";
  if (key) return `its key ${key}`;
  if (r.op === "D") return r.row === null ? null : "a delete carries a row image";
  if (typeof r.row !== "string") return "an insert or update has no row image";
  const row = tupleProblem(r.row, t.columns.length + (t.rowidColumn ? 1 : 0));
  return row ? `its row ${row}` : null;
}

/** Where shipping starts the first time: before the oldest entry in the log, or at the high-water mark. */
async function startingPoint(db: D1Database): Promise<number> {
  const min = await db.prepare(`SELECT min(seq) AS s FROM ${ident(CHANGE_LOG)}`).first<number | null>("s");
  return min != null ? min - 1 : ((await highWater(db)) ?? 0);
}

async function writeSegment(env: Env, repo: Repository, entries: ChangeEntry[]): Promise<SegmentRef> {
  const first = entries[0]!;
  const last = entries.at(-1)!;
  const plaintext = encodeSegment(entries);
  const key = Layout.segment(CAPTURE_SOURCE, first[0], last[0]);
  const sha256 = await sha256Hex(plaintext);
  const put = await repo.putSegment(key, plaintext);
  // Read back through every check before the log loses its copy. A name already taken holds the same range
  // from an earlier attempt; it must then hold the same content.
  await repo.getSegment(key, sha256);
  const ref: SegmentRef = {
    first_seq: first[0],
    last_seq: last[0],
    first_at: first[1],
    last_at: last[1],
    entries: entries.length,
    key,
    sha256,
  };
  await recordSegment(env.CATALOG_DB, CAPTURE_SOURCE, { ...ref, raw_bytes: plaintext.length, stored_bytes: put.written ? put.stored : 0 });
  return ref;
}

/**
 * A run that wrote a segment and died before recording it leaves an object starting right after the last
 * recorded entry. Adopt it (verified, then recorded) so the next segment does not overlap it.
 */
async function adoptOrphan(env: Env, repo: Repository, lastSeq: number): Promise<SegmentRef | null> {
  for await (const key of repo.listKeys(Layout.segmentStart(CAPTURE_SOURCE, lastSeq + 1))) {
    const lastInName = Number(key.slice(key.lastIndexOf("-") + 1));
    const plaintext = await repo.getSegment(key, null);
    const entries = decodeSegment(key, plaintext, lastSeq + 1, lastInName);
    const ref: SegmentRef = {
      first_seq: lastSeq + 1,
      last_seq: lastInName,
      first_at: entries[0]![1],
      last_at: entries.at(-1)![1],
      entries: entries.length,
      key,
      sha256: await sha256Hex(plaintext),
    };
    await recordSegment(env.CATALOG_DB, CAPTURE_SOURCE, { ...ref, raw_bytes: plaintext.length, stored_bytes: 0 });
    return ref;
  }
  return null;
}

/** Drops shipped entries: at most one segment's worth (SEGMENT_MAX_ENTRIES) per call. */
async function trim(db: D1Database, throughSeq: number): Promise<void> {
  await db
    .prepare(`DELETE FROM ${ident(CHANGE_LOG)} WHERE seq <= ?`)
    .bind(throughSeq)
    .run();
}
