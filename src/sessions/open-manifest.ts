import { SessionManifest } from "../../schemas/sessions";
import type { Env } from "../env";
import { IntegrityError, NotFoundError } from "../errors";
import { Layout } from "../repo/layout";
import { Repository } from "../repo/repository";

export async function openSessionManifest(env: Env, backupId: string): Promise<{ repo: Repository; manifest: SessionManifest }> {
  const repo = await Repository.open(env.BACKUP_BUCKET, env.BACKUP_ENCRYPTION_KEY);
  const json = await repo.getManifestJson(backupId);
  if (json === null) throw new NotFoundError(`backup ${backupId} has no manifest in the repository`);
  const parsed = SessionManifest.safeParse(json);
  if (!parsed.success) throw new IntegrityError(Layout.manifest(backupId), "not a session backup manifest (format v1)");
  return { repo, manifest: parsed.data };
}
