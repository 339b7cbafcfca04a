import { SessionFeedLine } from "../../schemas/sessions";
import { getCaptureState } from "../catalog/capture";
import type { Env } from "../env";
import { FEED_SEGMENT_BYTES, FEED_SOURCE, FeedRun } from "../feed/run";
import { openRepository } from "../repo/open";
import type { ExportPage } from "./contract";
import { ENTRIES_PER_CALL } from "./export-sessions";
import { mapLimit } from "./limit";
import { type Mark, clearMarks, marksPage, marksTableExists } from "./marks";
import { feedStub, sessionRegistry } from "./objects";

/** Marks one page reads; objects are exported FEED_CONCURRENCY at a time (each is an RPC to its own object). */
const MARKS_PER_PAGE = 200;
const FEED_CONCURRENCY = 32;
/** One run stops reading new marks after this long (a backlog): the next run goes on. */
const RUN_BUDGET_MS = 20_000;

export interface FeedShipResult {
  /** False when no object has ever marked itself (the provider's objects do not call `changed()`): nothing is covered. */
  on: boolean;
  segments: number;
  objects: number;
  deleted: number;
  last_seq: number;
  covered_until: number | null;
  more: boolean;
  /** Objects that could not be shipped (their marks stay; the next run tries again). */
  failed: { name: string; error: string }[];
}

/**
 * Ships the session change feed (docs/SESSIONS.md, "The change feed"): every object marked changed is exported
 * through the contract's `vaultlineShip` (which clears its flag, so a later write marks it again) into sealed
 * segments; once a segment is recorded, the marks it shipped are removed, each only if no newer mark replaced it. An
 * object that left the registry is shipped as deleted. Callers serialise runs (the shipper Durable Object).
 */
export async function shipSessionFeed(env: Env): Promise<FeedShipResult> {
  const result: FeedShipResult = {
    on: false,
    segments: 0,
    objects: 0,
    deleted: 0,
    last_seq: 0,
    covered_until: null,
    more: false,
    failed: [],
  };
  const registry = sessionRegistry(env);
  if (!registry || !(await marksTableExists(env.OIDC_DB))) return result;
  result.on = true;
  const starting = !(await getCaptureState(env.CATALOG_DB, FEED_SOURCE.sessions));
  const run = await FeedRun.open<Mark>(env, await openRepository(env), "sessions", SessionFeedLine, {
    namespace: registry.namespace,
    starting,
    onRecorded: (marks) => clearMarks(env.OIDC_DB, registry.namespace, marks),
  });

  let after = "";
  for (;;) {
    const marks = await marksPage(env.OIDC_DB, registry, after, MARKS_PER_PAGE);
    const shipped = await mapLimit(marks, FEED_CONCURRENCY, (m) => shipObject(env, m));
    for (let i = 0; i < marks.length; i++) {
      const out = shipped[i]!;
      const mark = marks[i]!;
      if ("error" in out) {
        result.failed.push({ name: mark.name, error: out.error });
        continue;
      }
      // The mark goes once the segment holding the object's last line is recorded.
      for (const [n, l] of out.lines.entries()) run.add(l.text, l.at, n === out.lines.length - 1 ? mark : undefined);
      if (out.deleted) result.deleted++;
      else result.objects++;
      if (run.pendingBytes >= FEED_SEGMENT_BYTES) await run.flush();
    }
    if (marks.length < MARKS_PER_PAGE) break;
    after = marks.at(-1)!.name;
    if (Date.now() - run.began > RUN_BUDGET_MS) {
      result.more = true;
      break;
    }
  }
  // Coverage moves only when every mark was read and shipped: a backlog or a failed object holds it back.
  await run.finish(!result.more && result.failed.length === 0);
  return { ...result, segments: run.segments, last_seq: run.lastSeq, covered_until: run.coveredUntil };
}

/** One marked object's lines: its state page by page as it reads now, or its deletion. */
async function shipObject(env: Env, m: Mark): Promise<{ lines: { at: number; text: string }[]; deleted: boolean } | { error: string }> {
  if (!m.registered) {
    const at = Date.now();
    return { lines: [{ at, text: JSON.stringify({ o: m.name, at, deleted: true }) }], deleted: true };
  }
  try {
    const stub = feedStub(env, m.name);
    const lines: { at: number; text: string }[] = [];
    let cursor: string | null = null;
    let p = 0;
    do {
      const at = Date.now();
      const page = (await stub.vaultlineShip(cursor, ENTRIES_PER_CALL)) as ExportPage;
      cursor = page.cursor;
      lines.push({ at, text: JSON.stringify({ o: m.name, at, p: p++, last: cursor === null, e: page.entries }) });
    } while (cursor !== null);
    return { lines, deleted: false };
  } catch (e) {
    const message = (e as Error).message;
    return {
      error: /vaultlineShip|is not a function/.test(message)
        ? `the object does not implement vaultlineShip (docs/SESSIONS.md, "The change feed"): ${message}`
        : message,
    };
  }
}
