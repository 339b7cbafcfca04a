import type { Env } from "../env";
import { FallbackBucket } from "../replication/fallback-bucket";
import { replicaOf } from "../replication/replica";
import { Repository } from "./repository";
import type { z } from "zod";
import { AssetManifest } from "../../schemas/assets";
import { DatabaseManifest } from "../../schemas/manifest";
import { SessionManifest } from "../../schemas/sessions";

type RepoEnv = Pick<Env, "BACKUP_BUCKET" | "BACKUP_ENCRYPTION_KEY" | "BACKUP_ENCRYPTION_KEYS_OLD"> &
  Partial<Pick<Env, "CROSS_REGION_REPLICATION" | "BACKUP_REPLICA_BUCKET">>;

/**
 * The deployment's repository: BACKUP_BUCKET, opened with its keyring (current and old master keys). With
 * replication on, reads fall back to BACKUP_REPLICA_BUCKET when the primary fails or holds a bad object
 * (`replicaReads()` says which); writes go to the primary.
 */
export function openRepository(env: RepoEnv): Promise<Repository> {
  const replica =
    env.BACKUP_REPLICA_BUCKET && env.CROSS_REGION_REPLICATION
      ? replicaOf(env as Pick<Env, "CROSS_REGION_REPLICATION" | "BACKUP_REPLICA_BUCKET">)
      : null;
  const bucket = replica ? (new FallbackBucket(env.BACKUP_BUCKET, replica) as unknown as R2Bucket) : env.BACKUP_BUCKET;
  return Repository.open(bucket, env.BACKUP_ENCRYPTION_KEY, env.BACKUP_ENCRYPTION_KEYS_OLD);
}

/** Opens the repository and one backup's manifest of a kind, authenticated and parsed against its schema. */
async function openManifestOf<S extends z.ZodType>(
  env: Env,
  backupId: string,
  schema: S,
  what: string,
): Promise<{ repo: Repository; manifest: z.infer<S> }> {
  const repo = await openRepository(env);
  return { repo, manifest: await repo.readManifest(backupId, schema, what) };
}

export const openDatabaseManifest = (env: Env, backupId: string) => openManifestOf(env, backupId, DatabaseManifest, "a database backup");
export const openAssetManifest = (env: Env, backupId: string) => openManifestOf(env, backupId, AssetManifest, "an asset backup");
export const openSessionManifest = (env: Env, backupId: string) => openManifestOf(env, backupId, SessionManifest, "a session backup");
