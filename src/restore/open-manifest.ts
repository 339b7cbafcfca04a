import { openRepository } from "../repo/open";
import { DatabaseManifest } from "../../schemas/manifest";
import type { Env } from "../env";
import { Repository } from "../repo/repository";

/** Opens the repository and a database backup's manifest, authenticated and parsed. */
export async function openDatabaseManifest(env: Env, backupId: string): Promise<{ repo: Repository; manifest: DatabaseManifest }> {
  const repo = await openRepository(env);
  return { repo, manifest: await repo.readManifest(backupId, DatabaseManifest, "a database backup") };
}
