import { utf8 } from "../repo/bytes";

export interface ChunkerParams {
  min: number;
  avg_extra: number;
  max: number;
}

/**
 * Content-defined chunking on row boundaries. Whether a chunk ends after a row depends only on that row's
 * key and size (and the chunk reaching `min`), never on where a page or a workflow step began. So an unchanged
 * table yields the same chunks every time, and one changed row changes one or two chunks, not all that follow.
 * A row is a cut point with probability rowBytes/avg_extra, so chunks average about min + avg_extra bytes
 * whatever the row size.
 */
export class RowChunker {
  private lines: string[] = [];
  private bytes = 0;

  constructor(private readonly p: ChunkerParams) {}

  /** Adds one serialized row; returns the finished chunk when this row ends one. */
  add(tuple: string, keyText: string): { plaintext: Uint8Array; rows: number } | null {
    const line = `${JSON.stringify(tuple)}\n`;
    this.lines.push(line);
    this.bytes += line.length;
    if (this.bytes >= this.p.max) return this.flush();
    if (this.bytes >= this.p.min && fnv1a(keyText) / 0x1_0000_0000 < line.length / this.p.avg_extra) return this.flush();
    return null;
  }

  get pendingRows(): number {
    return this.lines.length;
  }

  flush(): { plaintext: Uint8Array; rows: number } | null {
    if (this.lines.length === 0) return null;
    const out = { plaintext: utf8.encode(this.lines.join("")), rows: this.lines.length };
    this.lines = [];
    this.bytes = 0;
    return out;
  }
}

/** Rows of a chunk's plaintext, back as tuple texts, with each line's byte length (an upper bound of the tuple's). */
export function* chunkRows(plaintext: Uint8Array): Generator<{ tuple: string; bytes: number }> {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  let start = 0;
  for (let i = 0; i < plaintext.length; i++) {
    if (plaintext[i] !== 0x0a) continue;
    const line = decoder.decode(plaintext.subarray(start, i));
    yield { tuple: JSON.parse(line) as string, bytes: i - start };
    start = i + 1;
  }
  if (start !== plaintext.length) throw new Error("chunk does not end with a complete row");
}

/** 32-bit FNV-1a over UTF-16 code units: cheap, stable, and good enough to place cut points. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
