/** Object bytes are stored in parts of this size (the last is shorter). R2 multipart parts must be equal but the last, 5 MiB or more. */
export const PART_BYTES = 8 << 20;

/**
 * Cuts a byte stream into PART_BYTES parts without holding more than one part (plus one read) in memory; with the
 * object's size known, a part's buffer is only as large as what is left of the object (a 1 MB object holds 1 MB).
 * Yields at least one part, empty for an empty object.
 */
export async function* streamParts(body: ReadableStream<Uint8Array>, size?: number): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  let emitted = 0;
  const nextBuffer = () => new Uint8Array(size === undefined ? PART_BYTES : Math.max(1, Math.min(PART_BYTES, size - emitted)));
  let buf = nextBuffer();
  let fill = 0;
  let yielded = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    let at = 0;
    while (at < value.length) {
      if (fill === buf.length && buf.length < PART_BYTES) {
        // More bytes than the size said: grow to a whole part.
        const grown = new Uint8Array(PART_BYTES);
        grown.set(buf);
        buf = grown;
      }
      const n = Math.min(buf.length - fill, value.length - at);
      buf.set(value.subarray(at, at + n), fill);
      fill += n;
      at += n;
      if (fill === PART_BYTES) {
        yield buf;
        yielded = true;
        emitted += fill;
        buf = nextBuffer();
        fill = 0;
      }
    }
  }
  if (fill > 0 || !yielded) yield fill === buf.length ? buf : buf.slice(0, fill);
}
