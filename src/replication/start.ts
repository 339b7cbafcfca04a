import type { ReplicationParams } from "../../schemas/workflows";
import type { ScrubParams } from "../../schemas/workflows";
import type { VerifyBackupParams } from "../../schemas/workflows";
import { newId } from "../ids";
import type { Env } from "../env";
import { insertReplicationRun, insertScrubRun } from "../catalog/replication";
import { insertRepositoryCheck } from "../catalog/repository-checks";

export async function startCatchUp(env: Env, trigger: ReplicationParams["trigger"]): Promise<string> {
  const id = newId("rp");
  await insertReplicationRun(env.CATALOG_DB, id, trigger);
  const params: ReplicationParams = { run_id: id, trigger };
  await env.REPLICATION.create({ id, params });
  return id;
}

export async function startScrub(env: Env, objects?: number): Promise<string> {
  const id = newId("sc");
  await insertScrubRun(env.CATALOG_DB, id);
  const params: ScrubParams = { run_id: id, ...(objects ? { objects } : {}) };
  await env.SCRUB.create({ id, params });
  return id;
}

export async function startVerifyBackup(env: Env, backupId: string, by: string): Promise<string> {
  const id = newId("ck");
  await insertRepositoryCheck(env.CATALOG_DB, id, by);
  const params: VerifyBackupParams = { check_id: id, backup_id: backupId };
  await env.VERIFY_BACKUP.create({ id, params });
  return id;
}
