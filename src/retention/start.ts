import type { RetentionParams } from "../../schemas/workflows";
import { newId } from "../ids";
import type { Env } from "../env";
import { startRun } from "./runs";
import { insertRepositoryCheck } from "../catalog/repository-checks";
import { launch } from "../launch";

export async function startRetention(env: Env, by: string, trigger: RetentionParams["trigger"]): Promise<string> {
  const id = newId("rr");
  return launch(env, "RETENTION", {
    id,
    params: { run_id: id, requested_by: by, trigger },
    record: () => startRun(env.CATALOG_DB, { id, trigger, requested_by: by }),
  });
}

export async function startRepositoryCheck(env: Env, by: string): Promise<string> {
  const id = newId("ck");
  return launch(env, "REPOSITORY_CHECK", { id, params: { check_id: id }, record: () => insertRepositoryCheck(env.CATALOG_DB, id, by) });
}
