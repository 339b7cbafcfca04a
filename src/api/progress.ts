/**
 * Percent done, throughput and an ETA for a running restore or backup, from the stage and progress its workflow
 * records. The database restore's phases are weighted by their measured share of a restore (docs/BENCHMARKS.md:
 * load about 45 %, staging verification 35 %, swap 20 %). Estimates, not promises; null where nothing is known.
 */
export interface Progress {
  percent: number | null;
  eta_seconds: number | null;
  /** Units of work a second so far (rows, objects or bytes, as `unit` says). */
  throughput: number | null;
  unit: string | null;
  done: number | null;
  total: number | null;
}

type P = Record<string, number | string | undefined>;
const ratio = (a: unknown, b: unknown) => (typeof a === "number" && typeof b === "number" && b > 0 ? Math.min(1, a / b) : null);

function restorePercent(stage: string, p: P): { percent: number | null; done: number | null; total: number | null; unit: string | null } {
  if (stage === "read manifest") return { percent: 1, done: null, total: null, unit: null };
  if (stage === "prepare staging") return { percent: 3, done: null, total: null, unit: null };
  if (stage === "load") {
    const r = ratio(p.chunks_loaded, p.chunks_total);
    const total = typeof p.rows_total === "number" ? p.rows_total : null;
    return {
      percent: r === null ? null : 3 + 45 * r,
      done: r !== null && total !== null ? Math.round(total * r) : null,
      total,
      unit: "rows",
    };
  }
  if (stage.startsWith("verify staging")) {
    const r = ratio(p.tables_verified, p.tables_total);
    return { percent: r === null ? 48 : 48 + 35 * r, done: null, total: null, unit: null };
  }
  if (stage === "replay changes") return { percent: 85, done: null, total: null, unit: null };
  if (stage === "swap") return { percent: 97, done: null, total: null, unit: null };
  if (stage === "verify target") return { percent: 99, done: null, total: null, unit: null };
  if (stage === "restore objects") {
    if (typeof p.bytes === "number") {
      const r = ratio(p.bytes, p.bytes_total);
      return {
        percent: r === null ? null : 2 + 97 * r,
        done: p.bytes,
        total: typeof p.bytes_total === "number" ? p.bytes_total : null,
        unit: "bytes",
      };
    }
    const r = ratio(p.segments_done, p.segments);
    return { percent: r === null ? null : 2 + 97 * r, done: null, total: null, unit: null };
  }
  return { percent: null, done: null, total: null, unit: null };
}

function backupPercent(stage: string, p: P): { percent: number | null; done: number | null; total: number | null; unit: string | null } {
  if (stage.startsWith("export")) {
    const r = ratio(p.tables_done, p.tables_total);
    return { percent: r === null ? null : 2 + 78 * r, done: typeof p.rows === "number" ? p.rows : null, total: null, unit: "rows" };
  }
  if (stage.startsWith("verify")) {
    const r = ratio(p.verified, p.to_verify);
    return { percent: r === null ? 80 : 80 + 15 * r, done: null, total: null, unit: null };
  }
  if (stage === "open repository" || stage === "snapshot schema") return { percent: 1, done: null, total: null, unit: null };
  return { percent: null, done: null, total: null, unit: null };
}

export function progressOf(
  kind: "restore" | "backup",
  row: { status: string; stage?: string | null; step?: string | null; progress: string | null; started_at: string | null },
  now = Date.now(),
): Progress {
  if (row.status === "completed") return { percent: 100, eta_seconds: 0, throughput: null, unit: null, done: null, total: null };
  const stage = (kind === "restore" ? row.stage : row.step) ?? "";
  if (!["running", "initiated"].includes(row.status) || !stage)
    return { percent: null, eta_seconds: null, throughput: null, unit: null, done: null, total: null };
  const p = (row.progress ? JSON.parse(row.progress) : {}) as P;
  const est = kind === "restore" ? restorePercent(stage, p) : backupPercent(stage, p);
  const elapsed = row.started_at ? Math.max(0.001, (now - Date.parse(row.started_at)) / 1000) : null;
  const percent = est.percent === null ? null : Math.round(est.percent * 10) / 10;
  return {
    percent,
    eta_seconds: percent !== null && percent >= 1 && elapsed !== null ? Math.round((elapsed * (100 - percent)) / percent) : null,
    throughput: est.done !== null && elapsed !== null ? Math.round(est.done / elapsed) : null,
    unit: est.unit,
    done: est.done,
    total: est.total,
  };
}
