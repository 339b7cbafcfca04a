import type { AssetFilter } from "../../schemas/workflows";
import type { AssetEntry, AssetManifest } from "../../schemas/assets";
import { IntegrityError } from "../errors";
import { toHex } from "../repo/bytes";
import type { Repository } from "../repo/repository";
import { compareKeys, readSegment } from "./index-lookup";

/** Everything, the objects under a prefix, or one key. */
export type { AssetFilter };

export function matches(filter: AssetFilter, key: string): boolean {
  if (filter.key !== undefined) return key === filter.key;
  if (filter.prefix !== undefined) return key.startsWith(filter.prefix);
  return true;
}

export interface AssetRestorePosition {
  segment: number;
  entry: number;
}

export interface AssetRestoreSlice {
  next: AssetRestorePosition | null;
  objects: number;
  bytes: number;
}

/**
 * One bounded slice of an asset restore: entries from `from` on, until the index ends or `budgetBytes` have been
 * written. Writing an object is idempotent (same key, same bytes), so a retried slice is safe.
 */
export async function restoreAssetSlice(
  target: R2Bucket,
  repo: Repository,
  manifest: AssetManifest,
  filter: AssetFilter,
  from: AssetRestorePosition,
  budgetBytes: number,
): Promise<AssetRestoreSlice> {
  const out: AssetRestoreSlice = { next: null, objects: 0, bytes: 0 };
  for (let s = from.segment; s < manifest.segments.length; s++) {
    const ref = manifest.segments[s]!;
    // Segments hold keys in order: skip those that cannot hold the filter's keys without reading them.
    if (filter.key !== undefined && (compareKeys(filter.key, ref.first) < 0 || compareKeys(filter.key, ref.last) > 0)) continue;
    const entries = await readSegment(repo, ref.id);
    for (let e = s === from.segment ? from.entry : 0; e < entries.length; e++) {
      const entry = entries[e]!;
      if (!matches(filter, entry.key)) continue;
      await restoreObject(target, repo, entry);
      out.objects++;
      out.bytes += entry.size;
      if (out.bytes >= budgetBytes) {
        out.next = e + 1 < entries.length ? { segment: s, entry: e + 1 } : { segment: s + 1, entry: 0 };
        return out;
      }
    }
  }
  return out;
}

function putOptions(entry: AssetEntry): R2PutOptions & R2MultipartOptions {
  const { cacheExpiry, ...rest } = entry.http;
  return { httpMetadata: { ...rest, ...(cacheExpiry ? { cacheExpiry: new Date(cacheExpiry) } : {}) }, customMetadata: entry.custom };
}

/** Writes one object from its parts: one put when it is a single part, a multipart upload otherwise. */
export async function restoreObject(target: R2Bucket, repo: Repository, entry: AssetEntry): Promise<void> {
  const digest = new crypto.DigestStream("SHA-256");
  const hashing = digest.getWriter();
  if (entry.parts.length <= 1) {
    const bytes = entry.parts.length ? await repo.getChunk(entry.parts[0]!.id) : new Uint8Array(0);
    await hashing.write(bytes);
    await hashing.close();
    await checkDigest(entry, await digest.digest);
    await target.put(entry.key, bytes, putOptions(entry));
    return;
  }
  const upload = await target.createMultipartUpload(entry.key, putOptions(entry));
  try {
    const uploaded: R2UploadedPart[] = [];
    for (let i = 0; i < entry.parts.length; i++) {
      const bytes = await repo.getChunk(entry.parts[i]!.id);
      await hashing.write(bytes);
      uploaded.push(await upload.uploadPart(i + 1, bytes));
    }
    await hashing.close();
    // Checked before completing: a mismatch leaves no object behind, only an aborted upload.
    await checkDigest(entry, await digest.digest);
    await upload.complete(uploaded);
  } catch (e) {
    await upload.abort().catch(() => undefined);
    throw e;
  }
}

async function checkDigest(entry: AssetEntry, digest: ArrayBuffer): Promise<void> {
  if (toHex(digest) !== entry.sha256)
    throw new IntegrityError(`asset:${entry.key}`, "reassembled bytes do not match the SHA-256 recorded at backup");
}
