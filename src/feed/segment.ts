import type { z } from "zod";
import { FeedHeader } from "../../schemas/feed";
import { IntegrityError } from "../errors";
import { fromUtf8, utf8 } from "../repo/bytes";

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
