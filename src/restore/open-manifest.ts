import { DatabaseManifest } from "../../schemas/manifest";
import type { Env } from "../env";
import { Repository } from "../repo/repository";

/** Opens the repository and a database backup's manifest, authenticated and parsed. */
export async function openDatabaseManifest(env: Env, backupId: string): Promise<{ repo: Repository; manifest: DatabaseManifest }> {
  const repo = await Repository.open(env.BACKUP_BUCKET, env.BACKUP_ENCRYPTION_KEY);
  return { repo, manifest: await repo.readManifest(backupId, DatabaseManifest, "a database backup") };
}
