/** Object bytes are stored in parts of this size (the last is shorter). R2 multipart parts must be equal but the last, 5 MiB or more. */
export const PART_BYTES = 8 << 20;

/**
 * Cuts a byte stream into PART_BYTES parts without holding more than one part (plus one read) in memory.
 * Yields at least one part, empty for an empty object.
 */
export async function* streamParts(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  let buf = new Uint8Array(PART_BYTES);
  let fill = 0;
  let yielded = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    let at = 0;
    while (at < value.length) {
      const n = Math.min(PART_BYTES - fill, value.length - at);
      buf.set(value.subarray(at, at + n), fill);
      fill += n;
      at += n;
      if (fill === PART_BYTES) {
        yield buf;
        yielded = true;
        buf = new Uint8Array(PART_BYTES);
        fill = 0;
      }
    }
  }
  if (fill > 0 || !yielded) yield buf.slice(0, fill);
}
