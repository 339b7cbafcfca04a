import { SessionFeedHeader, SessionFeedLine } from "../../schemas/sessions";
import { IntegrityError } from "../errors";
import { fromUtf8, utf8 } from "../repo/bytes";

/** A session change segment's plaintext: its header, then one JSON line per object page or deletion (docs/FORMAT.md). */
export function encodeFeedSegment(header: SessionFeedHeader, lines: string[]): Uint8Array {
  return utf8.encode(`${JSON.stringify(header)}\n${lines.map((l) => `${l}\n`).join("")}`);
}

/** Parses a session change segment, each line checked against its schema: anything else is an integrity error. */
export function decodeFeedSegment(key: string, plaintext: Uint8Array): { header: SessionFeedHeader; lines: SessionFeedLine[] } {
  const text = fromUtf8.decode(plaintext).split("\n");
  if (text.at(-1) === "") text.pop();
  const header = SessionFeedHeader.safeParse(parseJson(key, text[0] ?? "", 0));
  if (!header.success) throw new IntegrityError(key, "is not a session change segment (its header does not parse)");
  const lines = text.slice(1).map((l, i) => {
    const line = SessionFeedLine.safeParse(parseJson(key, l, i + 1));
    if (!line.success) throw new IntegrityError(key, `line ${i + 2} is not a session change`);
    return line.data;
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
