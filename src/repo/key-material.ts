import { ConfigError, KeyMismatchError } from "../errors";
import { fromBase64, toBase64, toHex, utf8 } from "./bytes";

/**
 * Key hierarchy (docs/FORMAT.md, "Keys"):
 *   master key (secret BACKUP_ENCRYPTION_KEY, 32 bytes base64)
 *     -> HKDF -> KEK (wraps data keys) and KEK id (names which master key wrapped what)
 *   data key (64 random bytes, stored only wrapped): 32 bytes AES-256-GCM key + 32 bytes chunk-id HMAC key.
 * Rotating the master key re-wraps the data key; chunk ids and ciphertexts stay valid, so dedup survives rotation.
 */
export interface MasterKey {
  kekId: string;
  kek: CryptoKey;
}

export interface DataKey {
  id: string;
  enc: CryptoKey;
  mac: CryptoKey;
  /** Authenticates the repository's `config` object (HKDF from the data key: it survives master key rotation). */
  configMac: CryptoKey;
}

const KEK_INFO = utf8.encode("vaultline/v1/kek");
const KEK_ID_INFO = utf8.encode("vaultline/v1/kek-id");
const CONFIG_MAC_INFO = utf8.encode("vaultline/v1/config-mac");

/** `name` is where the key came from, for the error when it is malformed (never the key itself). */
export async function importMasterKey(secret: string | undefined, name = "BACKUP_ENCRYPTION_KEY"): Promise<MasterKey> {
  const field = name.replace(/\[.*$/, "");
  if (!secret) throw new ConfigError(`${name} is not set`, field);
  let raw: Uint8Array;
  try {
    raw = fromBase64(secret.trim());
  } catch {
    throw new ConfigError(`${name} must be base64`, field);
  }
  if (raw.length !== 32) {
    throw new ConfigError(`${name} must decode to 32 bytes, got ${raw.length}`, field);
  }
  const ikm = await crypto.subtle.importKey("raw", raw, "HKDF", false, ["deriveBits", "deriveKey"]);
  const salt = new Uint8Array(32);
  const kek = await crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt, info: KEK_INFO },
    ikm,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
  const idBits = await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt, info: KEK_ID_INFO }, ikm, 64);
  return { kekId: toHex(idBits), kek };
}

function wrapAad(dataKeyId: string, kekId: string): Uint8Array {
  return utf8.encode(`vaultline-key:${dataKeyId}:${kekId}`);
}

export async function newDataKeyMaterial(): Promise<{ id: string; raw: Uint8Array }> {
  return { id: toHex(crypto.getRandomValues(new Uint8Array(16))), raw: crypto.getRandomValues(new Uint8Array(64)) };
}

export async function wrapDataKey(master: MasterKey, dataKeyId: string, raw: Uint8Array) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const wrapped = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: wrapAad(dataKeyId, master.kekId) }, master.kek, raw);
  return { iv: toBase64(iv), wrapped: toBase64(new Uint8Array(wrapped)) };
}

export async function unwrapDataKey(master: MasterKey, dataKeyId: string, wrapped: { iv: string; wrapped: string }): Promise<DataKey> {
  return importDataKey(dataKeyId, await unwrapRaw(master, dataKeyId, wrapped));
}

/** The data key's bytes, for re-wrapping under another master key (key rotation). Never stored, logged or returned by a step. */
export async function unwrapRaw(master: MasterKey, dataKeyId: string, wrapped: { iv: string; wrapped: string }): Promise<Uint8Array> {
  try {
    return new Uint8Array(
      await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: fromBase64(wrapped.iv), additionalData: wrapAad(dataKeyId, master.kekId) },
        master.kek,
        fromBase64(wrapped.wrapped),
      ),
    );
  } catch {
    throw new KeyMismatchError(`data key ${dataKeyId} does not open with master key ${master.kekId}`);
  }
}

export async function importDataKey(id: string, raw: Uint8Array): Promise<DataKey> {
  const enc = await crypto.subtle.importKey("raw", raw.slice(0, 32), "AES-GCM", false, ["encrypt", "decrypt"]);
  const mac = await crypto.subtle.importKey("raw", raw.slice(32, 64), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const ikm = await crypto.subtle.importKey("raw", raw, "HKDF", false, ["deriveKey"]);
  const configMac = await crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(32), info: CONFIG_MAC_INFO },
    ikm,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign"],
  );
  return { id, enc, mac, configMac };
}

/** The MAC of a repository config: HMAC-SHA-256 over its JSON without `mac`, fields in a fixed order. */
export function configMacOf(key: DataKey, config: Record<string, unknown>): Promise<string> {
  return labelledMac(key, "vaultline-config", config);
}

/** The MAC of a data key chain entry, under the previous data key: each new data key is vouched for by the one before. */
export function keychainMacOf(previous: DataKey, entry: Record<string, unknown>): Promise<string> {
  return labelledMac(previous, "vaultline-keychain", entry);
}

async function labelledMac(key: DataKey, label: string, value: Record<string, unknown>): Promise<string> {
  const { mac: _mac, ...rest } = value;
  const canonical = JSON.stringify(Object.fromEntries(Object.entries(rest).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
  return toHex(await crypto.subtle.sign("HMAC", key.configMac, utf8.encode(`${label}\0${canonical}`)));
}

/** Chunk id: keyed, so ids reveal nothing about content to someone who can list the bucket. */
export async function chunkId(key: DataKey, plaintext: Uint8Array): Promise<string> {
  return toHex(await crypto.subtle.sign("HMAC", key.mac, plaintext));
}
