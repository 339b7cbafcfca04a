import { AssetManifest } from "../../schemas/assets";
import type { Env } from "../env";
import { IntegrityError, NotFoundError } from "../errors";
import { Layout } from "../repo/layout";
import { Repository } from "../repo/repository";

/** Opens the repository and an asset backup's manifest, authenticated and parsed. */
export async function openAssetManifest(env: Env, backupId: string): Promise<{ repo: Repository; manifest: AssetManifest }> {
  const repo = await Repository.open(env.BACKUP_BUCKET, env.BACKUP_ENCRYPTION_KEY);
  const json = await repo.getManifestJson(backupId);
  if (json === null) throw new NotFoundError(`backup ${backupId} has no manifest in the repository`);
  const parsed = AssetManifest.safeParse(json);
  if (!parsed.success) throw new IntegrityError(Layout.manifest(backupId), "not an asset backup manifest (format v1)");
  return { repo, manifest: parsed.data };
}
