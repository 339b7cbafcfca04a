import { openRepository } from "../repo/open";
import type { WorkflowStep } from "cloudflare:workers";
import { verifyChunks } from "../backup/export-tables";
import { markBackupFailed, markBackupProgress, markReplica } from "../catalog/backups";
import { backupObjectPage, backupObjectPages } from "../replication/backup-objects";
import { copyToReplica } from "../replication/copy";
import { replicaOf } from "../replication/replica";
import type { Env } from "../env";
import { CATALOG_STEP, DATA_STEP, finalOnPermanent, parseError } from "./step-policy";
import { VERIFY_STEP_CHUNKS } from "./step-budget";

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
        const repo = await openRepository(env);
        await verifyChunks(repo, batch);
        await markBackupProgress(env.CATALOG_DB, backupId, `verify ${n}`, { verified: i + batch.length, to_verify: written.length });
        return Date.now() - began;
      }),
    );
  }
  return ms;
}

/** The first step of a backup: the repository opens (created on first use) and the backup is marked running. */
export function openRepositoryStep(step: WorkflowStep, env: Env, backupId: string): Promise<{ data_key_id: string; started_at: string }> {
  return step.do("open repository", DATA_STEP, () =>
    finalOnPermanent(async () => {
      await markBackupProgress(env.CATALOG_DB, backupId, "open repository", {});
      const repo = await openRepository(env);
      return { data_key_id: repo.config.data_key_id, started_at: new Date().toISOString() };
    }),
  );
}

/**
 * Runs a backup's steps; if they fail, records the failure (with its code) in the catalog and fails the instance.
 * `classify` may map an error the workflow raised itself to its code and message.
 */
export async function recordingFailure<T>(
  step: WorkflowStep,
  env: Env,
  backupId: string,
  body: () => Promise<T>,
  classify: (e: unknown) => { code: string; message: string } = parseError,
): Promise<T> {
  try {
    return await body();
  } catch (e) {
    const err = classify(e);
    await step.do("record failure", CATALOG_STEP, () => markBackupFailed(env.CATALOG_DB, backupId, err.code, err.message));
    throw e;
  }
}

/**
 * The `replicate` steps every backup ends with when CROSS_REGION_REPLICATION is on (docs/REPLICATION.md): each object
 * the backup consists of is copied to BACKUP_REPLICA_BUCKET unless there already, verified on read and on write, a
 * bounded page a step; then the catalog records the replica status. A replica that cannot be reached does not fail
 * the backup (it is complete and verified in the primary): it is recorded as failed, and the catch-up workflow
 * copies what is missing later.
 */
export async function replicateSteps(step: WorkflowStep, env: Env, backupId: string): Promise<void> {
  const replica = replicaOf(env);
  if (!replica) return;
  try {
    const pages = await step.do("replicate: plan", DATA_STEP, () =>
      finalOnPermanent(async () => backupObjectPages(await openRepository(env), backupId)),
    );
    let copied = 0;
    let bytes = 0;
    for (let page = 0; page < pages; page++) {
      const r = await step.do(`replicate ${page + 1}`, DATA_STEP, () =>
        finalOnPermanent(async () =>
          copyToReplica(env.BACKUP_BUCKET, replica, await backupObjectPage(await openRepository(env), backupId, page)),
        ),
      );
      copied += r.copied;
      bytes += r.bytes;
    }
    await step.do("replicate: record", CATALOG_STEP, () =>
      markReplica(env.CATALOG_DB, backupId, { status: "replicated", detail: `${copied} objects copied (${bytes} bytes)` }),
    );
  } catch (e) {
    const err = parseError(e);
    await step.do("replicate: record failure", CATALOG_STEP, () =>
      markReplica(env.CATALOG_DB, backupId, { status: "failed", detail: `[${err.code}] ${err.message}` }),
    );
  }
}
