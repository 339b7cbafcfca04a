import { REPLAY_CHANGES_PER_STEP, REPLAY_SEGMENTS_PER_STEP } from "../workflow-kit/step-budget";
import type { ChangeEntry, ReplayPlan } from "../../schemas/capture";
import type { DatabaseSchema, TableInfo } from "../../schemas/manifest";
import { STAGE_ROWID, STAGE_SEQ } from "../db/scan";
import { tupleToParams, tupleValues } from "../db/literals";
import { ident } from "../db/sql";
import { IntegrityError, VaultlineError } from "../errors";
import type { DatabaseRestoreParams } from "../../schemas/workflows";
import { segmentsAfter, countSegmentsBetween } from "../catalog/capture";
import { markRestoreStage } from "../catalog/restores";
import { decodeSegment } from "../capture/segment";
import { CAPTURE_SOURCE } from "../capture/ship";
import type { Env } from "../env";
import { Layout } from "../repo/layout";
import { openDatabaseManifest } from "../repo/open";
import { stageName } from "./staging";

export class ReplayError extends VaultlineError {
  constructor(message: string) {
    super("unsupported_schema", message, 422);
  }
}

/** Statements per D1 batch (one transaction each). */
const BATCH_STATEMENTS = 400;

export interface ReplayOutcome {
  applied: number;
  /** True once an entry past the plan's instant was met: nothing after it may be applied. */
  reached_end: boolean;
  /** Highest key inserted into each AUTOINCREMENT table, so the restored counters never re-issue an id. */
  max_inserted: Record<string, number>;
}

/** Whether an entry belongs in the restore: inside the base's window or the chain, and not past the instant. */
export function entryWanted(e: ChangeEntry, plan: ReplayPlan): "apply" | "skip" | "stop" {
  const [seq, at] = e;
  if (seq <= plan.after_seq) return "skip";
  if (seq <= plan.through_seq) return "apply";
  if (plan.until_ms !== undefined && at <= plan.until_ms) return "apply";
  return "stop";
}

/**
 * Applies change-log entries to the restore's staging tables, in sequence order. Every entry is absolute (delete
 * the key; or delete it and insert the whole row image), so the result for a key depends only on its last entry:
 * applying a prefix twice, as a retried step does, gives the same tables. Staging gets an index on the key first.
 * `staged` are the indexes of the tables this restore staged (all of them, or a scope's).
 */
export async function replayEntries(
  db: D1Database,
  restoreId: string,
  schema: DatabaseSchema,
  staged: number[],
  entries: ChangeEntry[],
  plan: ReplayPlan,
): Promise<ReplayOutcome> {
  const inScope = new Set(staged);
  const byName = new Map(schema.tables.map((t, i) => [t.name, { t, i }]));
  const autoincrement = new Set(schema.objects.filter((o) => o.type === "table" && /\bAUTOINCREMENT\b/i.test(o.sql)).map((o) => o.name));
  const out: ReplayOutcome = { applied: 0, reached_end: false, max_inserted: {} };
  const indexed = new Set<string>();
  let batch: D1PreparedStatement[] = [];
  const flush = async () => {
    if (batch.length) await db.batch(batch);
    batch = [];
  };
  for (const e of entries) {
    const wanted = entryWanted(e, plan);
    if (wanted === "skip") continue;
    if (wanted === "stop") {
      out.reached_end = true;
      break;
    }
    const [seq, , table, op, key, row] = e;
    const found = byName.get(table);
    if (!found)
      throw new ReplayError(
        `change ${seq} is to table ${table}, which the base backup does not have: the schema changed after it; restore from a later full backup`,
      );
    // A scoped restore stages some tables only: changes to the others are not part of it.
    if (!inScope.has(found.i)) continue;
    const stage = stageName(restoreId, found.i);
    if (!indexed.has(stage)) {
      await flush();
      await db
        .prepare(`CREATE INDEX IF NOT EXISTS ${ident(`${stage}_key`)} ON ${ident(stage)} (${stageKey(found.t).map(ident).join(", ")})`)
        .run();
      indexed.add(stage);
    }
    batch.push(deleteKey(db, stage, found.t, key));
    if (op !== "D") {
      if (row === null) throw new ReplayError(`change ${seq} (${op} on ${table}) has no row image`);
      batch.push(insertRow(db, stage, found.t, row));
      if (op === "I" && autoincrement.has(table)) {
        const k = Number(key);
        if (Number.isInteger(k)) out.max_inserted[table] = Math.max(out.max_inserted[table] ?? 0, k);
      }
    }
    out.applied++;
    if (batch.length >= BATCH_STATEMENTS) await flush();
  }
  await flush();
  return out;
}

/** The staging columns that hold a table's key. */
function stageKey(t: TableInfo): string[] {
  return t.keyColumns.map((k) => (k === "rowid" ? STAGE_ROWID : k));
}

function deleteKey(db: D1Database, stage: string, t: TableInfo, key: string): D1PreparedStatement {
  let values: ReturnType<typeof tupleValues>;
  try {
    values = tupleValues(key);
  } catch (e) {
    throw new ReplayError(`change to ${t.name}: its key is not a list of plain values (${(e as Error).message})`);
  }
  const cols = stageKey(t);
  if (values.length !== cols.length)
    throw new ReplayError(`key ${key.slice(0, 60)} of ${t.name} has ${values.length} values, the table's key ${cols.length}`);
  const params: (string | Uint8Array)[] = [];
  const where = cols.map((c, i) => {
    const v = values[i]!;
    if (v.kind === "literal") return `${ident(c)} IS ${v.text}`;
    params.push(v.value);
    return `${ident(c)} IS ?`;
  });
  return db.prepare(`DELETE FROM ${ident(stage)} WHERE ${where.join(" AND ")}`).bind(...params);
}

function insertRow(db: D1Database, stage: string, t: TableInfo, row: string): D1PreparedStatement {
  const cols = [STAGE_SEQ, ...(t.rowidColumn ? [STAGE_ROWID] : []), ...t.columns.map((c) => c.name)].map(ident).join(", ");
  const next = `(SELECT coalesce(max(${ident(STAGE_SEQ)}), 0) + 1 FROM ${ident(stage)})`;
  // Never inlined: a row image came from a table anyone with the provider's database can write. Text and blobs
  // are bound; what stays in the SQL is a number or NULL in quote()'s one shape, checked (src/db/literals.ts).
  let bound: ReturnType<typeof tupleToParams>;
  try {
    bound = tupleToParams(row);
  } catch (e) {
    throw new ReplayError(`change to ${t.name}: its row image is not a list of plain values (${(e as Error).message})`);
  }
  const { sql, params, count } = bound;
  const width = t.columns.length + (t.rowidColumn ? 1 : 0);
  if (count !== width) throw new ReplayError(`change to ${t.name}: its row image does not have the table's ${width} values`);
  return db.prepare(`INSERT INTO ${ident(stage)} (${cols}) VALUES (${next}, ${sql})`).bind(...params);
}

/** AUTOINCREMENT counters after a replay: the base's, raised to the highest id any replayed insert used. */
export function replayedSequences(schema: DatabaseSchema, maxInserted: Record<string, number>): DatabaseSchema["sequences"] {
  const out = new Map(schema.sequences.map((s) => [s.name, s.seq]));
  for (const [name, max] of Object.entries(maxInserted)) out.set(name, Math.max(out.get(name) ?? 0, max));
  return [...out].map(([name, seq]) => ({ name, seq })).sort((a, b) => a.name.localeCompare(b.name));
}

/** The shipped segments a replay plan reads (an upper bound for a point in time, which may stop before the last). */
export async function replaySegmentCount(env: Env, plan: NonNullable<DatabaseRestoreParams["replay"]>): Promise<number> {
  return countSegmentsBetween(env.CATALOG_DB, CAPTURE_SOURCE, plan.after_seq, plan.through_seq);
}

/**
 * One segment of a restore's replay: the shipped segment holding the change after `from`, its entries applied to
 * staging. `done` once the plan's end is reached; a hole before `through_seq` is an IntegrityError naming where.
 */
async function replayNextSegment(
  env: Env,
  p: DatabaseRestoreParams,
  staged: number[],
  from: number,
  n: number,
): Promise<{ last: number; done: boolean; applied: number; max_inserted: Record<string, number> }> {
  const plan = p.replay!;
  const [seg] = await segmentsAfter(env.CATALOG_DB, CAPTURE_SOURCE, from, 1);
  if (!seg || seg.first_seq > from + 1) {
    // Past through_seq with a point in time, running out of segments is the end: every change up to the
    // instant was shipped (the plan checked the instant is covered). So is a break whose next change is past the
    // instant. Before through_seq, or with a change inside the instant's reach after it, it is a hole.
    const pastInstant = !seg || (plan.until_ms !== undefined && seg.first_at > plan.until_ms);
    if (pastInstant && from >= plan.through_seq) return { last: from, done: true, applied: 0, max_inserted: {} };
    throw new IntegrityError(
      seg?.key ?? Layout.segmentPrefix(CAPTURE_SOURCE),
      `no shipped segment holds change ${from + 1}; this restore needs the changes through ${plan.through_seq}`,
    );
  }
  const { repo, manifest } = await openDatabaseManifest(env, p.backup_id);
  // A segment may begin before the cursor (the plan starts inside it): what came before is already applied.
  const entries = decodeSegment(seg.key, await repo.getSegment(seg.key, seg.sha256), seg.first_seq, seg.last_seq).filter(
    (e) => e[0] > from,
  );
  const out = await replayEntries(env[p.target_binding], p.restore_id, manifest.schema, staged, entries, plan);
  await markRestoreStage(env.CATALOG_DB, p.restore_id, "replay changes", { segments: n, through_seq: seg.last_seq });
  const done = out.reached_end || (plan.until_ms === undefined && seg.last_seq >= plan.through_seq);
  return { last: seg.last_seq, done, applied: out.applied, max_inserted: out.max_inserted };
}

/**
 * One step of a restore's replay: segments from the change after `from`, in order, until the plan's end, or
 * REPLAY_SEGMENTS_PER_STEP segments, or REPLAY_CHANGES_PER_STEP changes (so the step count grows with the log's length
 * divided by those, not with its segments). Replaying full row images in order is idempotent: a retried step applies
 * its segments again from `from`. `before` counts the segments earlier steps applied (for progress).
 */
export async function replaySegments(
  env: Env,
  p: DatabaseRestoreParams,
  staged: number[],
  from: number,
  before: number,
): Promise<{ last: number; done: boolean; applied: number; segments: number; max_inserted: Record<string, number> }> {
  const out = { last: from, done: false, applied: 0, segments: 0, max_inserted: {} as Record<string, number> };
  while (!out.done && out.segments < REPLAY_SEGMENTS_PER_STEP && out.applied < REPLAY_CHANGES_PER_STEP) {
    const prev = out.last;
    const seg = await replayNextSegment(env, p, staged, prev, before + out.segments + 1);
    if (seg.last > prev) out.segments++;
    out.last = seg.last;
    out.done = seg.done;
    out.applied += seg.applied;
    for (const [k, v] of Object.entries(seg.max_inserted)) out.max_inserted[k] = Math.max(out.max_inserted[k] ?? 0, v);
  }
  return out;
}
