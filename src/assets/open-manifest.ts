import { openRepository } from "../repo/open";
import { AssetManifest } from "../../schemas/assets";
import type { Env } from "../env";
import { Repository } from "../repo/repository";

/** Opens the repository and an asset backup's manifest, authenticated and parsed. */
export async function openAssetManifest(env: Env, backupId: string): Promise<{ repo: Repository; manifest: AssetManifest }> {
  const repo = await openRepository(env);
  return { repo, manifest: await repo.readManifest(backupId, AssetManifest, "an asset backup") };
}
