import type { z } from "zod";
import { FeedHeader } from "../../schemas/feed";
import type { FeedSegmentRow } from "../catalog/feed-segments";
import { IntegrityError } from "../errors";
import { fromUtf8, sha256Hex, utf8 } from "../repo/bytes";

/** A change-feed segment's plaintext: its header, then one JSON line each (docs/FORMAT.md, "Change-feed segments"). */
export function encodeFeedSegment(header: FeedHeader, lines: string[]): Uint8Array {
  return utf8.encode(`${JSON.stringify(header)}\n${lines.map((l) => `${l}\n`).join("")}`);
}

/** Parses a change-feed segment, each line checked against the feed's schema: anything else is an integrity error. */
export function decodeFeedSegment<L extends z.ZodType>(
  key: string,
  plaintext: Uint8Array,
  feed: FeedHeader["feed"],
  line: L,
): { header: FeedHeader; lines: z.infer<L>[] } {
  const text = fromUtf8.decode(plaintext).split("\n");
  if (text.at(-1) === "") text.pop();
  const header = FeedHeader.safeParse(parseJson(key, text[0] ?? "", 0));
  if (!header.success || header.data.feed !== feed) throw new IntegrityError(key, `is not a ${feed} change-feed segment (its header)`);
  const lines = text.slice(1).map((l, i) => {
    const parsed = line.safeParse(parseJson(key, l, i + 1));
    if (!parsed.success) throw new IntegrityError(key, `line ${i + 2} is not a ${feed} change`);
    return parsed.data as z.infer<L>;
  });
  return { header: header.data, lines };
}

function parseJson(key: string, text: string, line: number): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new IntegrityError(key, `line ${line + 1} is not JSON`);
  }
}

/**
 * A stored segment read back into its catalog row (a rebuild, or a run adopting what a dead run wrote): numbered by
 * its name, timed by its lines (an empty one by its coverage), with its header's coverage.
 */
export async function feedSegmentRow<L extends z.ZodType>(
  key: string,
  seq: number,
  plaintext: Uint8Array,
  feed: FeedHeader["feed"],
  line: L,
): Promise<{ header: FeedHeader; row: FeedSegmentRow & { raw_bytes: number; stored_bytes: number } }> {
  const { header, lines } = decodeFeedSegment(key, plaintext, feed, line);
  const ats = lines.length ? lines.map((l) => (l as { at: number }).at) : [header.covered_until ?? header.covered_from ?? 0];
  return {
    header,
    row: {
      first_seq: seq,
      last_seq: seq,
      first_at: Math.min(...ats),
      last_at: Math.max(...ats),
      entries: lines.length,
      key,
      sha256: await sha256Hex(plaintext),
      covered_from: header.covered_from,
      covered_until: header.covered_until,
      raw_bytes: plaintext.length,
      stored_bytes: 0,
    },
  };
}
