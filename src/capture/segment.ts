import { ChangeEntry } from "../../schemas/capture";
import { IntegrityError } from "../errors";
import { fromUtf8, utf8 } from "../repo/bytes";

/** A segment's plaintext: one JSON array per line, in sequence order (docs/FORMAT.md, "Change-log segments"). */
export function encodeSegment(entries: ChangeEntry[]): Uint8Array {
  return utf8.encode(`${entries.map((e) => JSON.stringify(e)).join("\n")}\n`);
}

/** Parses a segment and proves it holds exactly first..last with no hole, in order. */
export function decodeSegment(key: string, plaintext: Uint8Array, first: number, last: number): ChangeEntry[] {
  const lines = fromUtf8.decode(plaintext).split("\n");
  if (lines.at(-1) === "") lines.pop();
  const out: ChangeEntry[] = [];
  let expected = first;
  for (const line of lines) {
    const parsed = ChangeEntry.safeParse(JSON.parse(line));
    if (!parsed.success) throw new IntegrityError(key, `entry ${out.length + 1} is not a change-log entry`);
    if (parsed.data[0] !== expected) throw new IntegrityError(key, `expected sequence ${expected}, found ${parsed.data[0]}`);
    out.push(parsed.data);
    expected++;
  }
  if (expected - 1 !== last) throw new IntegrityError(key, `holds sequence ${first}..${expected - 1}, its name says ${first}..${last}`);
  return out;
}
