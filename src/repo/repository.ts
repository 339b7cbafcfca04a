import type { RepositoryConfig } from "../../schemas/repository";
import type { z } from "zod";
import { IntegrityError, KeyMismatchError, NotFoundError } from "../errors";
import { fromUtf8, sha256Hex, toHex, utf8 } from "./bytes";
import { type Keyring, loadKeyring } from "../key-management/keyring";
import { chunkId, configMacOf, type DataKey } from "./key-material";
import { loadDataKey, writeWrappedKey } from "./key-objects";
import { initialise, readRepositoryConfig } from "./repository-config";
import { Layout } from "./layout";
import { ObjectKind, open, seal, sealedKeyId } from "./sealed-object";
import { type DataKeys, loadDataKeys, rotateDataKey } from "./data-keys";

export interface RepositoryOptions {
  /** Never create a repository (offline readers). */
  readOnly?: boolean;
  /** Accept objects without the upload digest in their metadata (copies made by generic tools). */
  digestOptional?: boolean;
}

export interface PutChunkResult {
  id: string;
  /** False when the repository already had it (dedup): nothing was written. */
  written: boolean;
  stored: number;
}

/**
 * The backup repository in one R2 bucket. Every object is write-once: puts are conditional on the name
 * being free, so no code path can overwrite a chunk, a key or a manifest (docs/FORMAT.md, "Immutability").
 */
export class Repository {
  private constructor(
    readonly bucket: R2Bucket,
    readonly config: RepositoryConfig,
    /** The data key new objects are sealed with (the newest of the chain, src/repo/data-keys.ts). */
    readonly dataKey: DataKey,
    private readonly options: RepositoryOptions,
    private readonly keys: DataKeys,
    private readonly keyring: Keyring,
  ) {}

  /**
   * Opens the repository, creating it on first use under the current master key. `oldSecrets` (the JSON of
   * BACKUP_ENCRYPTION_KEYS_OLD) are tried when the current key does not wrap the data key yet: between switching
   * keys and the rotation that re-wraps (docs/KEYS.md).
   */
  static async open(
    bucket: R2Bucket,
    masterSecret: string | undefined,
    oldSecrets?: string,
    options: RepositoryOptions = {},
  ): Promise<Repository> {
    const keyring = await loadKeyring(masterSecret, oldSecrets);
    let config = await readRepositoryConfig(bucket);
    if (!config) {
      if (options.readOnly) throw new NotFoundError("no Vaultline repository here: there is no config object");
      config = await initialise(bucket, keyring.current);
    }
    const dataKey = await loadDataKey(bucket, keyring, config.data_key_id);
    // The config is read before any key is at hand; once the data key is, the config must prove it was not edited.
    if ((await configMacOf(dataKey, config)) !== config.mac)
      throw new IntegrityError(
        Layout.config,
        "the repository config was altered (its MAC does not verify): restore it from the replica or the escrow copy (npx vaultline keys export)",
      );
    const keys = await loadDataKeys(bucket, dataKey, (id) => loadDataKey(bucket, keyring, id));
    return new Repository(bucket, config, keys.current, options, keys, keyring);
  }

  /** A new data key for the objects written from now on (docs/KEYS.md, "Data key rotation"); a new Repository uses it. */
  rotateDataKey(): Promise<{ n: number; data_key_id: string; previous_data_key_id: string }> {
    return rotateDataKey(this.bucket, this.keys, (id, raw) => writeWrappedKey(this.bucket, this.keyring.current, id, raw));
  }

  /** The ids of every data key of the chain, oldest first. */
  dataKeyIds(): string[] {
    return [...this.keys.all.keys()];
  }

  /** The data key an object was sealed with, as its header names it: one of the chain's, else a clear error. */
  private keyFor(objectKey: string, sealed: Uint8Array): DataKey {
    const id = sealedKeyId(objectKey, sealed);
    const key = this.keys.all.get(id);
    if (!key) throw new KeyMismatchError(`${objectKey} is sealed with data key ${id}, which is not in this repository's data key chain`);
    return key;
  }

  /** Reads that came from the replica because the primary failed (docs/REPLICATION.md): for the restore's log. */
  replicaReads(): string[] {
    return (this.bucket as { events?: string[] }).events ?? [];
  }

  chunkId(plaintext: Uint8Array): Promise<string> {
    return chunkId(this.dataKey, plaintext);
  }

  async hasChunk(id: string): Promise<boolean> {
    return (await this.bucket.head(Layout.chunk(id))) !== null;
  }

  /** Seals and stores a chunk unless the repository already has it. */
  async putChunk(id: string, plaintext: Uint8Array): Promise<PutChunkResult> {
    if (await this.hasChunk(id)) return { id, written: false, stored: 0 };
    const sealed = await seal(this.dataKey, ObjectKind.chunk, id, plaintext);
    // Not written: someone stored the same content first (a concurrent or restarted backup). Same id, same plaintext.
    const written = await this.putOnce(Layout.chunk(id), sealed);
    return { id, written, stored: written ? sealed.length : 0 };
  }

  /** Reads a chunk and proves it: stored digest, authenticated decryption, and the id recomputed from the plaintext. */
  async getChunk(id: string): Promise<Uint8Array> {
    const key = Layout.chunk(id);
    // A chunk may live in the InfrequentAccess tier (cold/), or be a fossil still readable until a prune's phase two
    // (a backup committed meanwhile may need it). The dedup check looks in data/ only: new backups stay in Standard.
    const sealed = (await this.getChecked(key)) ?? (await this.getChecked(Layout.cold(id))) ?? (await this.getChecked(Layout.fossil(id)));
    if (!sealed) throw new IntegrityError(key, "chunk is missing from the repository");
    const sealedWith = this.keyFor(key, sealed);
    const plain = await open(sealedWith, ObjectKind.chunk, id, key, sealed);
    if ((await chunkId(sealedWith, plain)) !== id) throw new IntegrityError(key, "content does not hash to the chunk id");
    return plain;
  }

  async putManifest(backupId: string, manifest: unknown): Promise<{ written: boolean; stored: number }> {
    const sealed = await seal(this.dataKey, ObjectKind.manifest, Layout.manifestName(backupId), utf8.encode(JSON.stringify(manifest)));
    return { written: await this.putOnce(Layout.manifest(backupId), sealed), stored: sealed.length };
  }

  /**
   * The commit point of a backup: writes its manifest (write-once), reads it back through the full checks, and
   * parses it with its schema. A retried step finds the manifest an earlier attempt wrote and accepts it when it
   * describes the same backup.
   */
  async commitManifest<S extends z.ZodType<{ backup_id: string }>>(
    backupId: string,
    manifest: z.infer<S>,
    schema: S,
  ): Promise<{ manifest: z.infer<S>; stored: number }> {
    const put = await this.putManifest(backupId, manifest);
    const back = schema.safeParse(await this.getManifestJson(backupId));
    if (!back.success || back.data.backup_id !== backupId) {
      throw new IntegrityError(Layout.manifest(backupId), "manifest read back does not match what was written");
    }
    if (put.written && JSON.stringify(back.data) !== JSON.stringify(schema.parse(manifest))) {
      throw new IntegrityError(Layout.manifest(backupId), "manifest read back differs from what was written");
    }
    return { manifest: back.data, stored: put.written ? put.stored : 0 };
  }

  /** Reads and parses a manifest of the kind `what`; 404 when absent, integrity_error when it is another kind. */
  async readManifest<S extends z.ZodType>(backupId: string, schema: S, what: string): Promise<z.infer<S>> {
    const json = await this.getManifestJson(backupId);
    if (json === null) throw new NotFoundError(`backup ${backupId} has no manifest in the repository`);
    const parsed = schema.safeParse(json);
    if (!parsed.success)
      throw new IntegrityError(Layout.manifest(backupId), `not ${what} manifest (format v1): ${parsed.error.issues[0]?.message}`);
    return parsed.data;
  }

  /** Seals and stores a change-log segment under its own name (write-once). */
  putSegment(key: string, plaintext: Uint8Array): Promise<{ written: boolean; stored: number }> {
    return this.putSealed(ObjectKind.segment, key, plaintext);
  }

  /** Reads a segment and proves it: stored digest, authenticated decryption, and (when known) the plaintext's SHA-256. */
  async getSegment(key: string, sha256: string | null): Promise<Uint8Array> {
    const plain = await this.getSealed(ObjectKind.segment, key, "change-log segment");
    if (sha256 !== null && (await sha256Hex(plain)) !== sha256)
      throw new IntegrityError(key, "segment content does not match its recorded checksum");
    return plain;
  }

  /** Seals and stores an object of `kind` under its own name (write-once): segments of the change log and the audit chain. */
  async putSealed(kind: ObjectKind, key: string, plaintext: Uint8Array): Promise<{ written: boolean; stored: number }> {
    const sealed = await seal(this.dataKey, kind, key, plaintext);
    return { written: await this.putOnce(key, sealed), stored: sealed.length };
  }

  /** Reads an object of `kind` stored under its own name, through the stored-digest and authentication checks. */
  async getSealed(kind: ObjectKind, key: string, what: string): Promise<Uint8Array> {
    const sealed = await this.getChecked(key);
    if (!sealed) throw new IntegrityError(key, `${what} is missing from the repository`);
    return open(this.keyFor(key, sealed), kind, key, key, sealed);
  }

  /**
   * Moves an object to another name: reads it through the stored-digest check, writes the copy write-once with the
   * same digest, checks the copy is there, and only then deletes the original. Idempotent: a copy an interrupted
   * move already made is accepted. Returns the bytes moved (0 when the original was already gone).
   */
  async moveObject(from: string, to: string, opts: { storageClass?: "Standard" | "InfrequentAccess" } = {}): Promise<number> {
    const sealed = await this.getChecked(from);
    if (!sealed) return 0;
    const digest = await crypto.subtle.digest("SHA-256", sealed);
    await this.bucket.put(to, sealed, {
      onlyIf: { etagDoesNotMatch: "*" },
      sha256: digest,
      customMetadata: { sha256: toHex(digest) },
      ...(opts.storageClass ? { storageClass: opts.storageClass } : {}),
    });
    const copy = await this.bucket.head(to);
    if (!copy || copy.customMetadata?.sha256 !== toHex(digest))
      throw new IntegrityError(to, `copy of ${from} is missing or differs: the original is kept`);
    await this.bucket.delete(from);
    return sealed.length;
  }

  /** Names of stored objects under a prefix, in name order, one page at a time. */
  async *listKeys(prefix: string): AsyncGenerator<string> {
    let cursor: string | undefined;
    do {
      const page = await this.bucket.list({ prefix, cursor, limit: 1000 });
      for (const o of page.objects) yield o.key;
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor);
  }

  async hasManifest(backupId: string): Promise<boolean> {
    return (await this.bucket.head(Layout.manifest(backupId))) !== null;
  }

  async getManifestJson(backupId: string): Promise<unknown | null> {
    const key = Layout.manifest(backupId);
    const sealed = await this.getChecked(key);
    if (!sealed) return null;
    const plain = await open(this.keyFor(key, sealed), ObjectKind.manifest, Layout.manifestName(backupId), key, sealed);
    return JSON.parse(fromUtf8.decode(plain));
  }

  /**
   * Write-once put: creates the object or, when the name is taken, writes nothing and returns false. R2 checks
   * the upload against its SHA-256, which is also kept in the metadata so every later read can check it.
   */
  private async putOnce(key: string, sealed: Uint8Array): Promise<boolean> {
    const digest = await crypto.subtle.digest("SHA-256", sealed);
    const put = await this.bucket.put(key, sealed, {
      onlyIf: { etagDoesNotMatch: "*" },
      sha256: digest,
      customMetadata: { sha256: toHex(digest) },
    });
    return put !== null;
  }

  /** The stored bytes of an object, checked against the digest recorded at upload; null when absent. */
  private async getChecked(key: string): Promise<Uint8Array | null> {
    const obj = await this.bucket.get(key);
    if (!obj) return null;
    const sealed = new Uint8Array(await obj.arrayBuffer());
    const expected = obj.customMetadata?.sha256;
    if (!expected) {
      // A copy made with a generic tool (a directory, another S3 store) may lose custom metadata: the AEAD tag (and a
      // chunk's keyed id) still prove every object, so offline readers accept it (docs/RECOVERY.md).
      if (this.options.digestOptional) return sealed;
      throw new IntegrityError(key, "object has no recorded digest: not written by Vaultline");
    }
    if ((await sha256Hex(sealed)) !== expected) throw new IntegrityError(key, "stored bytes do not match the digest recorded at upload");
    return sealed;
  }

  /** Every backup id with a manifest, in name order, one page at a time. */
  async *listManifestIds(): AsyncGenerator<string> {
    for await (const key of this.listKeys(Layout.manifestPrefix)) yield key.slice(Layout.manifestPrefix.length);
  }
}
