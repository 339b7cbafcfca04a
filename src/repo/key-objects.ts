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

/**
 * The data key, unwrapped by the current master key, else by the first old one that wraps it; when no wrap under
 * `keys/` opens (deleted: `keys/` is not locked, so retirement can delete), the newest dated, locked copy does.
 */
export async function loadDataKey(bucket: R2Bucket, keyring: Keyring, dataKeyId: string): Promise<DataKey> {
  for (const master of [keyring.current, ...keyring.old]) {
    const doc = await readWrappedKey(bucket, dataKeyId, master.kekId);
    if (doc) return unwrapDataKey(master, dataKeyId, doc);
  }
  for (const master of [keyring.current, ...keyring.old]) {
    const doc = await readArchivedWrap(bucket, dataKeyId, master.kekId);
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

/** Pages of the archive one lookup reads at most (a copy a day for the retention period, a few wraps each). */
const ARCHIVE_PAGES = 10;

/** The newest dated copy of one wrap in `keys-archive/`, or null. */
async function readArchivedWrap(bucket: R2Bucket, dataKeyId: string, kekId: string): Promise<WrappedKey | null> {
  const suffix = `/${dataKeyId}/${kekId}.json`;
  let newest: string | null = null;
  let cursor: string | undefined;
  for (let page = 0; page < ARCHIVE_PAGES; page++) {
    const listed = await bucket.list({ prefix: Layout.keyArchivePrefix, cursor, limit: 1000 });
    for (const o of listed.objects) if (o.key.endsWith(suffix) && (newest === null || o.key > newest)) newest = o.key;
    if (!listed.truncated) break;
    cursor = listed.cursor;
  }
  if (!newest) return null;
  const doc = WrappedKey.safeParse(await (await bucket.get(newest))?.json());
  if (!doc.success || doc.data.data_key_id !== dataKeyId || doc.data.kek_id !== kekId)
    throw new IntegrityError(newest, "not a wrapped data key of this name");
  return doc.data;
}

/**
 * Today's dated copy of every wrap under `keys/` (write-once, under a bucket lock for BACKUP_RETENTION_DAYS from
 * `npm run provision`): deleting the wraps cannot make the backups unreadable, and a retired key's wraps age out of
 * the archive after the retention period. Once a day; every later call that day is one HEAD.
 */
export async function archiveWraps(bucket: R2Bucket, now = new Date()): Promise<{ day: string; copied: number } | null> {
  const day = now.toISOString().slice(0, 10);
  if (await bucket.head(Layout.keyArchiveDone(day))) return null;
  let copied = 0;
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix: Layout.keysPrefix, cursor, limit: 1000 });
    for (const o of page.objects) {
      const m = /^keys\/([0-9a-f]{32})\/([0-9a-f]{16})\.json$/.exec(o.key);
      const obj = m ? await bucket.get(o.key) : null;
      if (!m || !obj) continue;
      const put = await bucket.put(Layout.keyArchive(day, m[1]!, m[2]!), await obj.arrayBuffer(), { onlyIf: { etagDoesNotMatch: "*" } });
      if (put) copied++;
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  await bucket.put(Layout.keyArchiveDone(day), JSON.stringify({ day, copied, at: now.toISOString() }), {
    onlyIf: { etagDoesNotMatch: "*" },
  });
  return { day, copied };
}
