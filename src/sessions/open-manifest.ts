import { SessionManifest } from "../../schemas/sessions";
import type { Env } from "../env";
import { Repository } from "../repo/repository";

/** Opens the repository and a session backup's manifest, authenticated and parsed. */
export async function openSessionManifest(env: Env, backupId: string): Promise<{ repo: Repository; manifest: SessionManifest }> {
  const repo = await Repository.open(env.BACKUP_BUCKET, env.BACKUP_ENCRYPTION_KEY);
  return { repo, manifest: await repo.readManifest(backupId, SessionManifest, "a session backup") };
}
