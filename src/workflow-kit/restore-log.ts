import type { WorkflowStep } from "cloudflare:workers";
import { logRestore } from "../catalog/restores";
import type { Env } from "../env";
import { CATALOG_STEP } from "./step-policy";

/**
 * The restore's own account of what it did, one step a line. Lines are numbered in the order run() reaches them,
 * which replays identically, so a retried or restarted restore rewrites its lines rather than duplicating them.
 */
export function restoreNotes(step: WorkflowStep, env: Env, restoreId: string) {
  let seq = 0;
  return (message: string, level: "info" | "warn" | "error" = "info") => {
    const n = ++seq;
    return step.do(`log ${n}`, CATALOG_STEP, () => logRestore(env.CATALOG_DB, restoreId, n, level, message));
  };
}
