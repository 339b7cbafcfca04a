import type { Env } from "../env";
import { Repository } from "./repository";

/** The deployment's repository: BACKUP_BUCKET, opened with its keyring (current and old master keys). */
export function openRepository(env: Pick<Env, "BACKUP_BUCKET" | "BACKUP_ENCRYPTION_KEY" | "BACKUP_ENCRYPTION_KEYS_OLD">): Promise<Repository> {
  return Repository.open(env.BACKUP_BUCKET, env.BACKUP_ENCRYPTION_KEY, env.BACKUP_ENCRYPTION_KEYS_OLD);
}
