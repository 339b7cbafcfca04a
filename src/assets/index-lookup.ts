import { AssetEntry, type AssetSegmentRef } from "../../schemas/assets";
import { fromUtf8, utf8 } from "../repo/bytes";
import type { Repository } from "../repo/repository";

export async function readSegment(repo: Repository, id: string): Promise<AssetEntry[]> {
  const text = fromUtf8.decode(await repo.getChunk(id));
  return text
    .split("\n")
    .filter(Boolean)
    .map((l) => AssetEntry.parse(JSON.parse(l)));
}

/**
 * Looks keys up in an earlier backup's index, a segment at a time. Keys are asked for in order, so at most one
 * segment is held in memory however many objects the bucket has.
 */
export class IndexLookup {
  private loaded: { at: number; byKey: Map<string, AssetEntry> } | null = null;

  constructor(
    private readonly repo: Repository,
    private readonly segments: AssetSegmentRef[],
  ) {}

  async get(key: string): Promise<AssetEntry | undefined> {
    const at = this.segmentFor(key);
    if (at < 0) return undefined;
    if (this.loaded?.at !== at) {
      const entries = await readSegment(this.repo, this.segments[at]!.id);
      this.loaded = { at, byKey: new Map(entries.map((e) => [e.key, e])) };
    }
    return this.loaded.byKey.get(key);
  }

  /** Index of the segment whose key range holds `key`, or -1. */
  private segmentFor(key: string): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.segments[mid]!;
      if (compareKeys(key, s.first) < 0) hi = mid - 1;
      else if (compareKeys(key, s.last) > 0) lo = mid + 1;
      else return mid;
    }
    return -1;
  }
}

/** R2 lists keys in UTF-8 byte order, which differs from JavaScript's UTF-16 order past the BMP: compare as R2 does. */
export function compareKeys(a: string, b: string): number {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}
