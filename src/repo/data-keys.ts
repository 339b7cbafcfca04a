/**
 * Data key rotation (docs/KEYS.md, "Data key rotation"). The config names the first data key; `keychain/<n>` objects
 * name each later one, each vouched for by a MAC under the key before it. New objects are sealed with the newest
 * key; every object names its key in its header, so older ones stay readable. Chunk ids are keyed by the data key,
 * so deduplication starts over at each rotation (a chunk sealed under an earlier key is not found by a later one).
 */
import { FORMAT_VERSION } from "../../schemas/manifest";
import { KeychainEntry } from "../../schemas/repository";
import { IntegrityError } from "../errors";
import { type DataKey, importDataKey, keychainMacOf, newDataKeyMaterial } from "./key-material";
import { Layout } from "./layout";

export interface DataKeys {
  /** The key new objects are sealed with: the last of the chain. */
  current: DataKey;
  /** Every key of the chain, by id: readers pick the one an object's header names. */
  all: Map<string, DataKey>;
  /** How many keys follow the config's (the next entry is n + 1). */
  rotations: number;
}

/**
 * Walks the chain from the config's (already authenticated) data key: each entry must verify under the key before
 * it and unwrap with this keyring. A broken link is an integrity error naming it, never a silent fallback.
 */
export async function loadDataKeys(bucket: R2Bucket, first: DataKey, unwrap: (dataKeyId: string) => Promise<DataKey>): Promise<DataKeys> {
  const all = new Map([[first.id, first]]);
  let current = first;
  let n = 0;
  for (;;) {
    const key = Layout.keychain(n + 1);
    const obj = await bucket.get(key);
    if (!obj) break;
    const parsed = KeychainEntry.safeParse(await obj.json());
    if (!parsed.success || parsed.data.n !== n + 1 || parsed.data.previous_data_key_id !== current.id)
      throw new IntegrityError(key, "not the next entry of this repository's data key chain");
    if ((await keychainMacOf(current, parsed.data)) !== parsed.data.mac)
      throw new IntegrityError(key, "its MAC does not verify under the data key before it: the chain was altered");
    current = await unwrap(parsed.data.data_key_id);
    all.set(current.id, current);
    n++;
  }
  return { current, all, rotations: n };
}

/**
 * A new data key for new objects: its wrap by the current master key first (a chain entry naming a key nobody can
 * open would stop every backup), then the chain entry, write-once. Two rotations racing: one entry wins; the
 * loser's key is an unused wrap.
 */
export async function rotateDataKey(
  bucket: R2Bucket,
  keys: DataKeys,
  writeWrap: (dataKeyId: string, raw: Uint8Array) => Promise<boolean>,
): Promise<{ n: number; data_key_id: string; previous_data_key_id: string }> {
  const material = await newDataKeyMaterial();
  await importDataKey(material.id, material.raw); // the material imports before anything names it
  await writeWrap(material.id, material.raw);
  material.raw.fill(0);
  const n = keys.rotations + 1;
  const unsigned = {
    format: "vaultline-keychain" as const,
    version: FORMAT_VERSION as typeof FORMAT_VERSION,
    n,
    data_key_id: material.id,
    previous_data_key_id: keys.current.id,
    created_at: new Date().toISOString(),
  };
  const entry: KeychainEntry = { ...unsigned, mac: await keychainMacOf(keys.current, unsigned) };
  const put = await bucket.put(Layout.keychain(n), JSON.stringify(entry), { onlyIf: { etagDoesNotMatch: "*" } });
  if (!put) throw new IntegrityError(Layout.keychain(n), "another rotation wrote this entry first: run it again");
  return { n, data_key_id: material.id, previous_data_key_id: keys.current.id };
}
