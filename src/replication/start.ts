import type { ReplicationParams } from "../../schemas/workflows";
import { newId } from "../ids";
import type { Env } from "../env";
import { insertReplicationRun, insertScrubRun } from "../catalog/replication";
import { insertRepositoryCheck } from "../catalog/repository-checks";
import { launch } from "../launch";

export async function startCatchUp(env: Env, trigger: ReplicationParams["trigger"]): Promise<string> {
  const id = newId("rp");
  return launch(env, "REPLICATION", {
    id,
    params: { run_id: id, trigger },
    record: () => insertReplicationRun(env.CATALOG_DB, id, trigger),
  });
}

export async function startScrub(env: Env, objects?: number): Promise<string> {
  const id = newId("sc");
  return launch(env, "SCRUB", {
    id,
    params: { run_id: id, ...(objects ? { objects } : {}) },
    record: () => insertScrubRun(env.CATALOG_DB, id),
  });
}

export async function startVerifyBackup(env: Env, backupId: string, by: string): Promise<string> {
  const id = newId("ck");
  return launch(env, "VERIFY_BACKUP", {
    id,
    params: { check_id: id, backup_id: backupId },
    record: () => insertRepositoryCheck(env.CATALOG_DB, id, by),
  });
}
