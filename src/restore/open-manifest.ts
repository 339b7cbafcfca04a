import { DatabaseManifest } from "../../schemas/manifest";
import type { Env } from "../env";
import { IntegrityError, NotFoundError } from "../errors";
import { Layout } from "../repo/layout";
import { Repository } from "../repo/repository";

/** Opens the repository and a database backup's manifest, authenticated and parsed. */
export async function openDatabaseManifest(env: Env, backupId: string): Promise<{ repo: Repository; manifest: DatabaseManifest }> {
  const repo = await Repository.open(env.BACKUP_BUCKET, env.BACKUP_ENCRYPTION_KEY);
  const json = await repo.getManifestJson(backupId);
  if (json === null) throw new NotFoundError(`backup ${backupId} has no manifest in the repository`);
  const parsed = DatabaseManifest.safeParse(json);
  if (!parsed.success) throw new IntegrityError(Layout.manifest(backupId), `not a database backup manifest (format v1): ${parsed.error.issues[0]?.message}`);
  return { repo, manifest: parsed.data };
}
