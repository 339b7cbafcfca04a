import type { Env } from "../env";
import { IntegrityError } from "../errors";
import { sha256Hex, toHex } from "../repo/bytes";

/** The replica bucket when cross-region replication is on (docs/REPLICATION.md), else null. */
export function replicaOf(env: Pick<Env, "CROSS_REGION_REPLICATION" | "BACKUP_REPLICA_BUCKET">): R2Bucket | null {
  return env.CROSS_REGION_REPLICATION === "true" ? env.BACKUP_REPLICA_BUCKET : null;
}

export interface ReadCopy {
  bytes: Uint8Array;
  /** The SHA-256 recorded at upload (objects Vaultline sealed), or of the bytes (plaintext config and key objects). */
  sha256: string;
  recorded: boolean;
  customMetadata: Record<string, string>;
  httpMetadata?: R2HTTPMetadata;
}

/** Reads an object and checks it against the digest recorded at upload. Null when absent; throws when altered. */
export async function readVerified(bucket: R2Bucket, key: string): Promise<ReadCopy | null> {
  const obj = await bucket.get(key);
  if (!obj) return null;
  const bytes = new Uint8Array(await obj.arrayBuffer());
  const actual = await sha256Hex(bytes);
  const recorded = obj.customMetadata?.sha256;
  if (recorded && recorded !== actual) throw new IntegrityError(key, "stored bytes do not match the digest recorded at upload");
  return { bytes, sha256: actual, recorded: Boolean(recorded), customMetadata: obj.customMetadata ?? {}, httpMetadata: obj.httpMetadata };
}

/**
 * Writes a verified copy to `to` under the same name: write-once (an existing object with the same digest counts as
 * done), then reads the copy's digest back. `replace` first deletes whatever is there (repairs of a copy known bad).
 */
export async function putCopy(
  to: R2Bucket,
  key: string,
  c: ReadCopy,
  opts: { replace?: boolean; storageClass?: "Standard" | "InfrequentAccess" } = {},
): Promise<"copied" | "present"> {
  const existing = await to.head(key);
  if (existing && opts.replace) {
    // A repair: what is there is known bad (its metadata may still claim the right digest), so it goes.
    await to.delete(key);
  } else if (existing) {
    if (existing.customMetadata?.sha256 === c.sha256) return "present";
    throw new IntegrityError(key, "the destination holds a different object under this name");
  }
  const digest = await crypto.subtle.digest("SHA-256", c.bytes);
  await to.put(key, c.bytes, {
    onlyIf: { etagDoesNotMatch: "*" },
    sha256: digest,
    customMetadata: { ...c.customMetadata, sha256: toHex(digest) },
    ...(c.httpMetadata ? { httpMetadata: c.httpMetadata } : {}),
    ...(opts.storageClass ? { storageClass: opts.storageClass } : {}),
  });
  const back = await to.head(key);
  if (back?.customMetadata?.sha256 !== c.sha256) throw new IntegrityError(key, "the copy's digest does not read back as the original's");
  return "copied";
}

/** Mirrors a retention move (fossils, tiers) in the replica: copy, check, delete; nothing when the replica lacks it. */
export async function moveInReplica(
  replica: R2Bucket,
  from: string,
  to: string,
  storageClass?: "Standard" | "InfrequentAccess",
): Promise<void> {
  const c = await readVerified(replica, from).catch(() => null);
  if (!c) return;
  await putCopy(replica, to, c, { replace: true, storageClass });
  await replica.delete(from);
}
