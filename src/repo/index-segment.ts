import { utf8 } from "./bytes";
import type { Repository } from "./repository";

/**
 * Writes an index segment (entries as JSON lines, in key order) as a chunk, and returns its reference with the
 * first and last key, so readers can find the segment that holds a key without reading the others.
 */
export async function writeSegment<T>(repo: Repository, entries: T[], keyOf: (e: T) => string) {
  if (!entries.length) return null;
  const plaintext = utf8.encode(`${entries.map((e) => JSON.stringify(e)).join("\n")}\n`);
  const id = await repo.chunkId(plaintext);
  const put = await repo.putChunk(id, plaintext);
  return {
    ref: { id, first: keyOf(entries[0]!), last: keyOf(entries.at(-1)!), objects: entries.length },
    written: put.written,
    stored: put.stored,
  };
}
