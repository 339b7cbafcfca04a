import type { AssetEntry, AssetSegmentRef } from "../../schemas/assets";
import { toHex } from "../repo/bytes";
import { writeSegment } from "../repo/index-segment";
import type { Repository } from "../repo/repository";
import type { IndexLookup } from "./index-lookup";
import { streamParts } from "./parts";

export interface AssetSliceResult {
  /** The last key this slice covered; the next slice lists after it. Null when the bucket is done. */
  next: string | null;
  segment: AssetSegmentRef | null;
  /** Chunks (parts and the segment) this slice wrote: the verify steps read each one back. */
  written: string[];
  stored_bytes: number;
  objects: number;
  bytes: number;
  copied_objects: number;
  copied_bytes: number;
  reused_objects: number;
  /** Keys of the base backup seen again (changed or not), for counting deletions. */
  base_keys_seen: number;
  ms: number;
}

const LIST_LIMIT = 1000;

/**
 * One bounded slice of an asset backup: objects after `after` in key order, until a list page ends or
 * `budgetBytes` of object bytes have been read. An object unchanged since the base backup (same key, etag and
 * size) is referenced, not read. The slice's entries go into one index segment, itself a chunk.
 */
export async function exportAssetSlice(
  bucket: R2Bucket,
  repo: Repository,
  base: IndexLookup | null,
  after: string | null,
  budgetBytes: number,
): Promise<AssetSliceResult> {
  const began = Date.now();
  const out: AssetSliceResult = {
    next: null,
    segment: null,
    written: [],
    stored_bytes: 0,
    objects: 0,
    bytes: 0,
    copied_objects: 0,
    copied_bytes: 0,
    reused_objects: 0,
    base_keys_seen: 0,
    ms: 0,
  };
  const page = await bucket.list({
    limit: LIST_LIMIT,
    include: ["httpMetadata", "customMetadata"],
    ...(after ? { startAfter: after } : {}),
  });
  const entries: AssetEntry[] = [];
  let last: string | null = null;
  for (const obj of page.objects) {
    const previous = base ? await base.get(obj.key) : undefined;
    if (previous) out.base_keys_seen++;
    let entry: AssetEntry;
    if (previous && previous.etag === obj.etag && previous.size === obj.size) {
      entry = { ...previous, http: httpMetadata(obj), custom: obj.customMetadata ?? {} };
      out.reused_objects++;
    } else {
      const copied = await copyObject(bucket, repo, obj.key);
      if (!copied) {
        last = obj.key; // deleted between list and get: not part of this point in time
        continue;
      }
      entry = copied.entry;
      out.written.push(...copied.written);
      out.stored_bytes += copied.stored;
      out.copied_objects++;
      out.copied_bytes += entry.size;
    }
    entries.push(entry);
    out.objects++;
    out.bytes += entry.size;
    last = obj.key;
    if (out.copied_bytes >= budgetBytes) break;
  }
  const finishedPage = last === (page.objects.at(-1)?.key ?? null);
  out.next = finishedPage && !page.truncated ? null : (last ?? after);
  const segment = await writeSegment(repo, entries, (e) => e.key);
  if (segment) {
    if (segment.written) out.written.push(segment.ref.id);
    out.stored_bytes += segment.stored;
    out.segment = segment.ref;
  }
  out.ms = Date.now() - began;
  return out;
}

function httpMetadata(obj: R2Object): Record<string, string> {
  const h = obj.httpMetadata ?? {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined && v !== null) out[k] = v instanceof Date ? v.toISOString() : String(v);
  return out;
}

/** Streams one object into the repository part by part; never holds more than one part in memory. */
export async function copyObject(bucket: R2Bucket, repo: Repository, key: string) {
  const obj = await bucket.get(key);
  if (!obj) return null;
  const digest = new crypto.DigestStream("SHA-256");
  const hashing = digest.getWriter();
  const parts: AssetEntry["parts"] = [];
  const written: string[] = [];
  let stored = 0;
  for await (const part of streamParts(obj.body, obj.size)) {
    await hashing.write(part);
    const id = await repo.chunkId(part);
    const put = await repo.putChunk(id, part);
    if (put.written) written.push(id);
    stored += put.stored;
    parts.push({ id, size: part.length });
  }
  await hashing.close();
  const entry: AssetEntry = {
    key,
    size: obj.size,
    etag: obj.etag,
    uploaded: obj.uploaded.toISOString(),
    sha256: toHex(await digest.digest),
    http: httpMetadata(obj),
    custom: obj.customMetadata ?? {},
    parts,
  };
  return { entry, written, stored };
}
