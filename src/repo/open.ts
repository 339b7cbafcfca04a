import type { Env } from "../env";
import { FallbackBucket } from "../replication/fallback-bucket";
import { replicaOf } from "../replication/replica";
import { Repository } from "./repository";

type RepoEnv = Pick<Env, "BACKUP_BUCKET" | "BACKUP_ENCRYPTION_KEY" | "BACKUP_ENCRYPTION_KEYS_OLD"> & Partial<Pick<Env, "CROSS_REGION_REPLICATION" | "BACKUP_REPLICA_BUCKET">>;

/**
 * The deployment's repository: BACKUP_BUCKET, opened with its keyring (current and old master keys). With
 * replication on, reads fall back to BACKUP_REPLICA_BUCKET when the primary fails or holds a bad object
 * (`replicaReads()` says which); writes go to the primary.
 */
export function openRepository(env: RepoEnv): Promise<Repository> {
  const replica = env.BACKUP_REPLICA_BUCKET && env.CROSS_REGION_REPLICATION ? replicaOf(env as Pick<Env, "CROSS_REGION_REPLICATION" | "BACKUP_REPLICA_BUCKET">) : null;
  const bucket = replica ? (new FallbackBucket(env.BACKUP_BUCKET, replica) as unknown as R2Bucket) : env.BACKUP_BUCKET;
  return Repository.open(bucket, env.BACKUP_ENCRYPTION_KEY, env.BACKUP_ENCRYPTION_KEYS_OLD);
}
