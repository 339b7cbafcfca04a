import type { RetentionParams } from "../../schemas/workflows";
import type { RepositoryCheckParams } from "../../schemas/workflows";
import { newId } from "../ids";
import type { Env } from "../env";
import { startRun } from "./runs";
import { insertRepositoryCheck } from "../catalog/repository-checks";

export async function startRetention(env: Env, by: string, trigger: RetentionParams["trigger"]): Promise<string> {
  const id = newId("rr");
  await startRun(env.CATALOG_DB, { id, trigger, requested_by: by });
  const params: RetentionParams = { run_id: id, requested_by: by, trigger };
  await env.RETENTION.create({ id, params });
  return id;
}

export async function startRepositoryCheck(env: Env, by: string): Promise<string> {
  const id = newId("ck");
  await insertRepositoryCheck(env.CATALOG_DB, id, by);
  const params: RepositoryCheckParams = { check_id: id };
  await env.REPOSITORY_CHECK.create({ id, params });
  return id;
}
