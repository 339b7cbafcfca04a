import { audit } from "../catalog/audit-log";
import type { Env } from "../env";
import { ConflictError, NotFoundError } from "../errors";
import { unwrapRaw } from "../repo/key-material";
import { Layout } from "../repo/layout";
import { readWrappedKey } from "../repo/key-objects";
import { replicaOf } from "../replication/replica";
import { keyReport } from "./inventory";
import { keyringOf } from "./keyring";
import { recordKeyRetirement } from "../catalog/key-rotations";

export interface Retired {
  kek_id: string;
  wraps_deleted: number;
  next: string;
}

/**
 * Retires an old master key: deletes its wraps, so that key (if it ever leaks) opens nothing in this repository.
 * Refused while anything still needs it (a data key the current key does not wrap yet), and only after the current
 * key's wrap of each of its data keys has been opened and checked. Key wraps are the one thing outside the
 * retention workflow that is ever deleted, and bucket locks do not cover `keys/` for that reason (docs/KEYS.md).
 */
export async function retireMasterKey(env: Env, kekId: string, by: string): Promise<Retired> {
  const { status } = await checkRetirable(env, kekId);
  await env.BACKUP_BUCKET.delete(status.wraps.map((dk) => Layout.key(dk, kekId)));
  await replicaOf(env)?.delete(status.wraps.map((dk) => Layout.key(dk, kekId)));
  await recordKeyRetirement(env.CATALOG_DB, kekId, by, status.wraps.length);
  await audit(env.CATALOG_DB, {
    actor: by,
    action: "key.retired",
    target: kekId,
    outcome: 1,
    detail: { wraps_deleted: status.wraps.length },
  });
  return {
    kek_id: kekId,
    wraps_deleted: status.wraps.length,
    next:
      status.held_as === "old"
        ? `remove the key with id ${kekId} from BACKUP_ENCRYPTION_KEYS_OLD`
        : "nothing: this deployment does not hold it",
  };
}

/**
 * Whether `kekId` may be retired now, and what it wraps: throws (409, 404) naming why not. Asked when a retirement
 * is requested, and again when it is carried out after its approval.
 */
export async function checkRetirable(env: Env, kekId: string) {
  const keyring = await keyringOf(env);
  if (kekId === keyring.current.kekId)
    throw new ConflictError(`${kekId} is the current key (BACKUP_ENCRYPTION_KEY): rotate to a new key first`);
  const report = await keyReport(env.BACKUP_BUCKET, env.CATALOG_DB, keyring);
  const status = report.master_keys.find((k) => k.kek_id === kekId);
  if (!status || status.wraps.length === 0) throw new NotFoundError(`master key ${kekId} wraps nothing in this repository`);
  if (status.still_needed_for.length > 0) {
    throw new ConflictError(
      `master key ${kekId} is still the only key for data key(s) ${status.still_needed_for.join(", ")} ` +
        `(${status.backups_needing_it} completed backups): run a key rotation (POST /admin/keys/rotate) first`,
    );
  }
  for (const dk of status.wraps) {
    const doc = await readWrappedKey(env.BACKUP_BUCKET, dk, keyring.current.kekId);
    if (!doc) throw new ConflictError(`data key ${dk} has no wrap by the current key: run a key rotation first`);
    (await unwrapRaw(keyring.current, dk, doc)).fill(0);
  }
  return { keyring, status };
}
