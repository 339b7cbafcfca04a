import { openRepository } from "../repo/open";
import { SessionManifest } from "../../schemas/sessions";
import type { Env } from "../env";
import { Repository } from "../repo/repository";

/** Opens the repository and a session backup's manifest, authenticated and parsed. */
export async function openSessionManifest(env: Env, backupId: string): Promise<{ repo: Repository; manifest: SessionManifest }> {
  const repo = await openRepository(env);
  return { repo, manifest: await repo.readManifest(backupId, SessionManifest, "a session backup") };
}
