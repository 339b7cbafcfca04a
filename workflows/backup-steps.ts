import type { WorkflowStep } from "cloudflare:workers";
import { verifyChunks } from "../src/backup/export-tables";
import { markBackupProgress } from "../src/catalog/backups";
import type { Env } from "../src/env";
import { Repository } from "../src/repo/repository";
import { DATA_STEP, finalOnPermanent } from "./step-policy";

/** Chunks one verify step reads back. */
export const VERIFY_STEP_CHUNKS = 48;

/**
 * Steps shared by every backup workflow: read back each object the backup wrote (exists, matches its upload
 * digest, decrypts, hashes to its id), a bounded batch per step. Returns the milliseconds spent.
 */
export async function verifyWrittenSteps(step: WorkflowStep, env: Env, backupId: string, written: string[]): Promise<number> {
  let ms = 0;
  for (let i = 0; i < written.length; i += VERIFY_STEP_CHUNKS) {
    const batch = written.slice(i, i + VERIFY_STEP_CHUNKS);
    const n = i / VERIFY_STEP_CHUNKS + 1;
    ms += await step.do(`verify ${n}`, DATA_STEP, () =>
      finalOnPermanent(async () => {
        const began = Date.now();
        const repo = await Repository.open(env.BACKUP_BUCKET, env.BACKUP_ENCRYPTION_KEY);
        await verifyChunks(repo, batch);
        await markBackupProgress(env.CATALOG_DB, backupId, `verify ${n}`, { verified: i + batch.length, to_verify: written.length });
        return Date.now() - began;
      }),
    );
  }
  return ms;
}
