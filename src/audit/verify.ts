import { openRepository } from "../repo/open";
import type { AuditProblem, AuditRecord } from "../../schemas/audit";
import type { Env } from "../env";
import { VaultlineError } from "../errors";
import { Layout } from "../repo/layout";
import type { Repository } from "../repo/repository";
import { ObjectKind } from "../repo/sealed-object";
import { entryHash, GENESIS } from "./hash";
import { decodeRecords } from "./records";
import { idOfHash, recordById, recordsAfter, recordsBetween } from "../catalog/audit-log";

const PAGE = 5000;
/** Entries one call walks at most (D1 allows 1,000 queries an invocation); `next_after` continues. */
export const VERIFY_MAX_ENTRIES = 500_000;
const MAX_PROBLEMS = 50;

export interface VerifyReport {
  ok: boolean;
  entries: number;
  unchained_before_chain: number;
  head: { id: number; hash: string | null } | null;
  sealed_segments: number;
  problems: AuditProblem[];
  first_problem: AuditProblem | null;
  /** Set when the walk stopped at VERIFY_MAX_ENTRIES: call again with ?after= this id. */
  next_after: number | null;
}

/**
 * Walks the chain in id order (docs/AUDIT.md): each entry must hash to its stored hash (else "altered") and link to
 * the entry before it (else "reordered" when the entry it links to is elsewhere, "removed" when it is nowhere).
 * Then every sealed segment in the bucket is compared entry by entry with the catalog, which also catches a
 * rewritten chain (hashes recomputed) and a truncated tail.
 */
export async function verifyAuditChain(env: Env, after = 0): Promise<VerifyReport> {
  const db = env.CATALOG_DB;
  const problems: AuditProblem[] = [];
  const note = (p: AuditProblem) => problems.length < MAX_PROBLEMS && problems.push(p);
  let prev: AuditRecord | null = after > 0 ? await recordById(db, after) : null;
  let entries = 0;
  let unchained = 0;
  let cursor = after;
  let nextAfter: number | null = null;
  for (;;) {
    const results = await recordsAfter(db, cursor, PAGE);
    for (const row of results) {
      entries++;
      await checkEntry(db, row, prev, note, () => unchained++);
      if (row.hash !== null || prev?.hash) prev = row;
    }
    if (results.length < PAGE) break;
    cursor = results[results.length - 1]!.id;
    if (entries >= VERIFY_MAX_ENTRIES) {
      nextAfter = cursor;
      break;
    }
  }
  const sealed = await compareSealedCopies(env, after, nextAfter, note);
  problems.sort((a, b) => a.id - b.id);
  return {
    ok: problems.length === 0,
    entries,
    unchained_before_chain: unchained,
    head: prev ? { id: prev.id, hash: prev.hash } : null,
    sealed_segments: sealed,
    problems,
    first_problem: problems[0] ?? null,
    next_after: nextAfter,
  };
}

async function checkEntry(
  db: D1Database,
  row: AuditRecord,
  prev: AuditRecord | null,
  note: (p: AuditProblem) => void,
  legacy: () => void,
): Promise<void> {
  if (row.hash === null) {
    // Entries from before the chain existed are only acceptable before its first entry.
    if (prev?.hash) note({ id: row.id, kind: "unchained", message: `entry #${row.id} has no hash inside the chain: its hash was removed` });
    else legacy();
    return;
  }
  if ((await entryHash(row)) !== row.hash) {
    note({ id: row.id, kind: "altered", message: `entry #${row.id} was altered: its content no longer matches its hash` });
  }
  const expected = prev?.hash ?? GENESIS;
  if (row.prev_hash === expected) return;
  const linked = row.prev_hash === GENESIS ? null : await idOfHash(db, row.prev_hash);
  if (linked !== null && linked !== prev?.id) {
    note({
      id: row.id,
      kind: "reordered",
      message: `entry #${row.id} follows #${linked} in the chain but is stored after #${prev?.id ?? "the start"}: entries were reordered`,
    });
  } else if (prev && row.id > prev.id + 1) {
    const gone = row.id - prev.id - 1 === 1 ? `#${prev.id + 1}` : `#${prev.id + 1} to #${row.id - 1}`;
    note({ id: prev.id + 1, kind: "removed", message: `entry ${gone} was removed: #${row.id} links to an entry that is no longer there` });
  } else {
    note({
      id: row.id,
      kind: "removed",
      message: `the chain breaks before entry #${row.id}: the entry it follows is gone, removed or rewritten`,
    });
  }
}

/** Compares each sealed segment in the bucket with the catalog's entries of its range. Returns how many it read. */
async function compareSealedCopies(env: Env, after: number, until: number | null, note: (p: AuditProblem) => void): Promise<number> {
  let repo: Repository | null = null;
  let count = 0;
  let cursor: string | undefined;
  do {
    const page = await env.BACKUP_BUCKET.list({ prefix: Layout.auditPrefix, cursor, limit: 1000 });
    for (const o of page.objects) {
      const m = /(\d{16})-(\d{16})$/.exec(o.key);
      if (!m) continue;
      const [first, last] = [Number(m[1]), Number(m[2])];
      if (last <= after || (until !== null && first > until)) continue;
      repo ??= await openRepository(env);
      let sealed: AuditRecord[];
      try {
        sealed = decodeRecords(await repo.getSealed(ObjectKind.audit, o.key, "audit segment"));
      } catch (e) {
        note({
          id: first,
          kind: "altered",
          message: `sealed copy ${o.key} cannot be read: ${e instanceof VaultlineError ? e.message : String(e)}`,
        });
        continue;
      }
      count++;
      const live = new Map((await recordsBetween(env.CATALOG_DB, first, last)).map((r) => [r.id, r]));
      for (const s of sealed) {
        const r = live.get(s.id);
        if (!r) note({ id: s.id, kind: "removed", message: `entry #${s.id} was removed: its sealed copy ${o.key} has it` });
        else if (JSON.stringify(r) !== JSON.stringify(s))
          note({ id: s.id, kind: "altered", message: `entry #${s.id} differs from its sealed copy ${o.key}` });
      }
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return count;
}
