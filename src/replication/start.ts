import type { ReplicationParams } from "../../schemas/workflows";
import type { ScrubParams } from "../../schemas/workflows";
import type { VerifyBackupParams } from "../../schemas/workflows";
import { newId } from "../ids";
import type { Env } from "../env";

export async function startCatchUp(env: Env, trigger: ReplicationParams["trigger"]): Promise<string> {
  const id = newId("rp");
  await env.CATALOG_DB.prepare(`INSERT INTO replication_runs (id, trigger, status, started_at) VALUES (?, ?, 'running', ?)`).bind(id, trigger, new Date().toISOString()).run();
  const params: ReplicationParams = { run_id: id, trigger };
  await env.REPLICATION.create({ id, params });
  return id;
}

export async function startScrub(env: Env, objects?: number): Promise<string> {
  const id = newId("sc");
  await env.CATALOG_DB.prepare(`INSERT INTO scrub_runs (id, status, started_at) VALUES (?, 'running', ?)`).bind(id, new Date().toISOString()).run();
  const params: ScrubParams = { run_id: id, ...(objects ? { objects } : {}) };
  await env.SCRUB.create({ id, params });
  return id;
}

export async function startVerifyBackup(env: Env, backupId: string, by: string): Promise<string> {
  const id = newId("ck");
  await env.CATALOG_DB.prepare(`INSERT INTO repository_checks (id, requested_by, status, started_at) VALUES (?, ?, 'running', ?)`).bind(id, by, new Date().toISOString()).run();
  const params: VerifyBackupParams = { check_id: id, backup_id: backupId };
  await env.VERIFY_BACKUP.create({ id, params });
  return id;
}
