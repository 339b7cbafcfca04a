/**
 * The key objects of a repository: `keys/<data_key_id>/<kek_id>.json`, one data key wrapped by one master key
 * (docs/FORMAT.md, "Keys"). Written once each; only retiring a master key deletes its wraps.
 */
import { FORMAT_VERSION } from "../../schemas/manifest";
import { WrappedKey } from "../../schemas/repository";
import { IntegrityError, KeyMismatchError } from "../errors";
import type { Keyring } from "../key-management/keyring";
import { type DataKey, type MasterKey, unwrapDataKey, wrapDataKey } from "./key-material";
import { Layout } from "./layout";

/** Stores a data key wrapped by `master` (write-once: false when that wrap already exists). */
export async function writeWrappedKey(bucket: R2Bucket, master: MasterKey, dataKeyId: string, raw: Uint8Array): Promise<boolean> {
  const doc: WrappedKey = {
    format: "vaultline-key",
    version: FORMAT_VERSION,
    data_key_id: dataKeyId,
    kek_id: master.kekId,
    ...(await wrapDataKey(master, dataKeyId, raw)),
    created_at: new Date().toISOString(),
  };
  return (await bucket.put(Layout.key(dataKeyId, master.kekId), JSON.stringify(doc), { onlyIf: { etagDoesNotMatch: "*" } })) !== null;
}

/** Where a data key is wrapped: the master key ids of its `keys/<data_key_id>/<kek_id>.json` objects. */
export async function wrapsOf(bucket: R2Bucket, dataKeyId: string): Promise<string[]> {
  const listed = await bucket.list({ prefix: Layout.keyPrefix(dataKeyId) });
  return listed.objects.map((o) =>
    o.key
      .split("/")
      .pop()!
      .replace(/\.json$/, ""),
  );
}

export async function readWrappedKey(bucket: R2Bucket, dataKeyId: string, kekId: string): Promise<WrappedKey | null> {
  const obj = await bucket.get(Layout.key(dataKeyId, kekId));
  if (!obj) return null;
  const doc = WrappedKey.safeParse(await obj.json());
  if (!doc.success || doc.data.data_key_id !== dataKeyId || doc.data.kek_id !== kekId)
    throw new IntegrityError(Layout.key(dataKeyId, kekId), "not a wrapped data key of this name");
  return doc.data;
}

/** The data key, unwrapped by the current master key, else by the first old one that wraps it. */
export async function loadDataKey(bucket: R2Bucket, keyring: Keyring, dataKeyId: string): Promise<DataKey> {
  for (const master of [keyring.current, ...keyring.old]) {
    const doc = await readWrappedKey(bucket, dataKeyId, master.kekId);
    if (doc) return unwrapDataKey(master, dataKeyId, doc);
  }
  const wrappedBy = await wrapsOf(bucket, dataKeyId);
  const held = [keyring.current.kekId, ...keyring.old.map((k) => k.kekId)];
  throw new KeyMismatchError(
    `no master key held here opens this repository: its data key ${dataKeyId} is wrapped only by master key id(s) ` +
      `${wrappedBy.join(", ") || "(none found)"}, and BACKUP_ENCRYPTION_KEY (key id ${keyring.current.kekId})` +
      `${keyring.old.length ? ` and BACKUP_ENCRYPTION_KEYS_OLD (key ids ${held.slice(1).join(", ")})` : ""} are not among them. ` +
      `Put the key with id ${wrappedBy[0] ?? "?"} back into BACKUP_ENCRYPTION_KEYS_OLD and run a key rotation.`,
  );
}
