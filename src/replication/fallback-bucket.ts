import { sha256Hex } from "../repo/bytes";

/**
 * Reads from the primary bucket and, when it fails (unreachable, the object missing, or its bytes not matching the
 * digest recorded at upload), from the replica (docs/REPLICATION.md). Writes and existence checks (head) always
 * go to the primary. Every read
 * that fell back is kept in `events`, so a restore can say so in its log.
 */
export class FallbackBucket {
  readonly events: string[] = [];
  constructor(
    private readonly primary: R2Bucket,
    private readonly replica: R2Bucket,
  ) {}

  private note(key: string, why: string) {
    const line = `read ${key} from the replica: ${why}`;
    this.events.push(line);
    console.warn(line);
  }

  async get(key: string, options?: R2GetOptions): Promise<R2ObjectBody | null> {
    let why: string;
    try {
      const obj = await this.primary.get(key, options);
      if (obj) {
        const bytes = new Uint8Array(await obj.arrayBuffer());
        const recorded = obj.customMetadata?.sha256;
        if (!recorded || options?.range || recorded === (await sha256Hex(bytes))) return withBytes(obj, bytes);
        why = "the primary's bytes do not match the digest recorded at upload";
      } else why = "the primary does not have it";
    } catch (e) {
      why = `the primary failed: ${e instanceof Error ? e.message : String(e)}`;
    }
    const copy = await this.replica.get(key, options);
    if (copy) this.note(key, why);
    return copy;
  }

  /** The primary's answer only: existence checks decide what a backup writes, and it writes to the primary. */
  head(key: string): Promise<R2Object | null> {
    return this.primary.head(key);
  }

  async list(options?: R2ListOptions): Promise<R2Objects> {
    try {
      return await this.primary.list(options);
    } catch (e) {
      this.note(`the listing of ${options?.prefix ?? "everything"}`, `the primary failed: ${e instanceof Error ? e.message : String(e)}`);
      return this.replica.list(options);
    }
  }

  put(...args: Parameters<R2Bucket["put"]>) {
    return this.primary.put(...args);
  }

  delete(keys: string | string[]) {
    return this.primary.delete(keys);
  }
}

/** The object with its body already read (and checked): arrayBuffer/json/text answer from those bytes. */
function withBytes(obj: R2ObjectBody, bytes: Uint8Array): R2ObjectBody {
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  // workerd's objects keep their fields in accessors on the prototype: copy the ones readers use.
  return {
    key: obj.key,
    version: obj.version,
    size: obj.size,
    etag: obj.etag,
    httpEtag: obj.httpEtag,
    uploaded: obj.uploaded,
    httpMetadata: obj.httpMetadata,
    customMetadata: obj.customMetadata,
    checksums: obj.checksums,
    storageClass: obj.storageClass,
    arrayBuffer: async () => ab,
    text: async () => new TextDecoder().decode(bytes),
    json: async <T>() => JSON.parse(new TextDecoder().decode(bytes)) as T,
    bytes: async () => bytes,
  } as unknown as R2ObjectBody;
}
