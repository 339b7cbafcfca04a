import { IntegrityError, KeyMismatchError } from "../errors";
import { concatBytes, fromHex, toHex, utf8 } from "./bytes";
import type { DataKey } from "./key-material";
import { compress, decompress } from "./compression";

/**
 * Binary layout of every encrypted object (docs/FORMAT.md, "Sealed objects"):
 *   0  magic "VLT1" (4)   4 kind (1)   5 compression (1)   6 data key id (16)   22 IV (12)   34 ciphertext || GCM tag (16)
 * The AAD is the 34-byte header followed by the object's name, so a chunk moved to another name,
 * a header edited to claim another key, or a manifest swapped for another one fails authentication.
 */
export const HEADER_BYTES = 34;
const MAGIC = utf8.encode("VLT1");

export const ObjectKind = { chunk: 1, manifest: 2, segment: 3, audit: 4, report: 5, catalogRecord: 6 } as const;
export type ObjectKind = (typeof ObjectKind)[keyof typeof ObjectKind];
const Compression = { none: 0, brotli: 1 } as const;

/** Bytes above which a sample decides whether compressing is worth it, and the sample's size. */
const SAMPLE_ABOVE = 256 << 10;
const SAMPLE_BYTES = 64 << 10;

/** Whether the content compresses: small content is simply tried; large content by a sample from its middle. */
function worthCompressing(plaintext: Uint8Array): boolean {
  if (plaintext.length <= SAMPLE_ABOVE) return true;
  const at = Math.floor((plaintext.length - SAMPLE_BYTES) / 2);
  return compress(plaintext.subarray(at, at + SAMPLE_BYTES)).length < SAMPLE_BYTES * 0.95;
}

export async function seal(key: DataKey, kind: ObjectKind, name: string, plaintext: Uint8Array): Promise<Uint8Array> {
  const header = new Uint8Array(HEADER_BYTES);
  header.set(MAGIC, 0);
  header[4] = kind;
  header.set(fromHex(key.id), 6);
  header.set(crypto.getRandomValues(new Uint8Array(12)), 22);
  // Already-compressed content (images, archives) is stored as it is: compressing it again only costs time. A large
  // object is tried on a sample first, so an incompressible one is not compressed in full only to be thrown away.
  const packed = worthCompressing(plaintext) ? compress(plaintext) : null;
  const body = packed && packed.length < plaintext.length * 0.95 ? packed : plaintext;
  header[5] = body === packed ? Compression.brotli : Compression.none;
  const ct = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv: header.subarray(22, 34), additionalData: concatBytes(header, utf8.encode(name)) },
    key.enc,
    body,
  );
  return concatBytes(header, new Uint8Array(ct));
}

/** The data key id an object was sealed with, read from its header (so a reader can pick the right key). */
export function sealedKeyId(objectKey: string, sealed: Uint8Array): string {
  checkHeader(objectKey, sealed);
  return toHex(sealed.subarray(6, 22));
}

function checkHeader(objectKey: string, sealed: Uint8Array) {
  if (sealed.length < HEADER_BYTES + 16) throw new IntegrityError(objectKey, `object is truncated (${sealed.length} bytes)`);
  for (let i = 0; i < 4; i++) {
    if (sealed[i] !== MAGIC[i]) throw new IntegrityError(objectKey, "not a Vaultline v1 object (bad magic)");
  }
}

export async function open(key: DataKey, kind: ObjectKind, name: string, objectKey: string, sealed: Uint8Array): Promise<Uint8Array> {
  checkHeader(objectKey, sealed);
  const header = sealed.subarray(0, HEADER_BYTES);
  if (header[4] !== kind) throw new IntegrityError(objectKey, `object kind ${header[4]} where ${kind} was expected`);
  const keyId = toHex(header.subarray(6, 22));
  if (keyId !== key.id) throw new KeyMismatchError(`${objectKey} is sealed with data key ${keyId}, not ${key.id}`);
  let body: ArrayBuffer;
  try {
    body = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: header.subarray(22, 34), additionalData: concatBytes(header, utf8.encode(name)) },
      key.enc,
      sealed.subarray(HEADER_BYTES),
    );
  } catch {
    throw new IntegrityError(objectKey, "authentication failed: the object was altered or corrupted");
  }
  const plain = new Uint8Array(body);
  switch (header[5]) {
    case Compression.none:
      return plain;
    case Compression.brotli:
      try {
        return decompress(plain);
      } catch (e) {
        throw new IntegrityError(objectKey, `decompression failed: ${(e as Error).message}`);
      }
    default:
      throw new IntegrityError(objectKey, `unknown compression ${header[5]}`);
  }
}
