import { IntegrityError, KeyMismatchError } from "../errors";
import { unwrapRaw } from "../repo/key-material";
import { readWrappedKey, wrapsOf, writeWrappedKey } from "../repo/key-objects";
import type { Keyring } from "./keyring";

export interface Rewrapped {
  data_key_id: string;
  /** The old master key whose wrap was opened; null when the current key already wrapped it. */
  from_kek: string | null;
  written: boolean;
}

/**
 * Wraps a data key under the current master key (envelope encryption: no object is re-encrypted, chunk ids stay).
 * Opens it with whichever old key wraps it, writes the new wrap write-once, then reads the new wrap back and checks it
 * opens to the same bytes. The data key's bytes never leave this function.
 */
export async function rewrapDataKey(bucket: R2Bucket, keyring: Keyring, dataKeyId: string): Promise<Rewrapped> {
  const current = keyring.current;
  if (await readWrappedKey(bucket, dataKeyId, current.kekId)) return { data_key_id: dataKeyId, from_kek: null, written: false };
  for (const old of keyring.old) {
    const doc = await readWrappedKey(bucket, dataKeyId, old.kekId);
    if (!doc) continue;
    const raw = await unwrapRaw(old, dataKeyId, doc);
    try {
      const written = await writeWrappedKey(bucket, current, dataKeyId, raw);
      const back = await readWrappedKey(bucket, dataKeyId, current.kekId);
      const reopened = back ? await unwrapRaw(current, dataKeyId, back) : null;
      if (!reopened || !sameBytes(reopened, raw)) {
        throw new IntegrityError(`keys/${dataKeyId}/${current.kekId}.json`, "the new wrap does not open to the data key it was made from");
      }
      reopened.fill(0);
      return { data_key_id: dataKeyId, from_kek: old.kekId, written };
    } finally {
      raw.fill(0);
    }
  }
  const wrappedBy = await wrapsOf(bucket, dataKeyId);
  throw new KeyMismatchError(
    `data key ${dataKeyId} is wrapped only by master key id(s) ${wrappedBy.join(", ") || "(none)"}; none of them is in this keyring. ` +
      `Put the key with id ${wrappedBy[0] ?? "?"} into BACKUP_ENCRYPTION_KEYS_OLD and rotate again.`,
  );
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
