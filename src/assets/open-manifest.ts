import { AssetManifest } from "../../schemas/assets";
import type { Env } from "../env";
import { Repository } from "../repo/repository";

/** Opens the repository and an asset backup's manifest, authenticated and parsed. */
export async function openAssetManifest(env: Env, backupId: string): Promise<{ repo: Repository; manifest: AssetManifest }> {
  const repo = await Repository.open(env.BACKUP_BUCKET, env.BACKUP_ENCRYPTION_KEY);
  return { repo, manifest: await repo.readManifest(backupId, AssetManifest, "an asset backup") };
}
