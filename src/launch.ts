import { WORKFLOW_PARAMS, type WorkflowBinding, type WorkflowParams } from "../schemas/workflows";
import { type AuditEntry, audit } from "./catalog/audit-log";
import type { Env } from "./env";
import { VaultlineError } from "./errors";

/** Params a launcher built that its Workflow's schema refuses: a bug here, never the caller's input. */
export class LaunchError extends VaultlineError {
  constructor(binding: string, message: string) {
    super("launch_failed", `${binding}: ${message}`, 500);
  }
}

/**
 * The one way work starts (every Workflow instance Vaultline creates goes through here): the params are checked
 * against the Workflow's schema (schemas/workflows.ts), the catalog row is recorded, the instance is created with the
 * same id, and the audit entry written. If the instance cannot be created, `failed` records it in the catalog and
 * the error goes to the caller: nothing is left claiming to run.
 */
export async function launch<B extends WorkflowBinding>(
  env: Env,
  binding: B,
  work: {
    id: string;
    params: WorkflowParams<B>;
    /** Records the catalog row (idempotent where a workflow step retries it). */
    record: () => Promise<void>;
    /** Marks the row failed when the instance could not be created. */
    failed?: (message: string) => Promise<void>;
    audit?: AuditEntry;
  },
): Promise<string> {
  const parsed = WORKFLOW_PARAMS[binding].safeParse(work.params);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new LaunchError(binding, `${issue.path.join(".") || "params"}: ${issue.message}`);
  }
  await work.record();
  try {
    await (env[binding] as Workflow).create({ id: work.id, params: parsed.data });
  } catch (e) {
    await work.failed?.((e as Error).message);
    throw e;
  }
  if (work.audit) await audit(env.CATALOG_DB, work.audit);
  return work.id;
}

/** The Workflow that makes a backup of a type. */
export function backupBinding(type: string): WorkflowBinding {
  if (type === "assets") return "ASSET_BACKUP";
  if (type === "sessions") return "SESSION_BACKUP";
  if (type === "config") return "CONFIG_BACKUP";
  if (type === "full_system" || type === "monthly_archive") return "FULL_SYSTEM_BACKUP";
  if (type === "incremental_database") return "INCREMENTAL_BACKUP";
  return "FULL_DATABASE_BACKUP";
}

/** The Workflow that restores a component. */
export function restoreBinding(component: string): "ASSET_RESTORE" | "SESSION_RESTORE" | "DATABASE_RESTORE" {
  if (component === "assets") return "ASSET_RESTORE";
  if (component === "sessions") return "SESSION_RESTORE";
  return "DATABASE_RESTORE";
}

/** A Workflow binding by name, to look up an instance (`get`) the launcher started. */
export function workflowOf(env: Env, binding: WorkflowBinding): Workflow {
  return env[binding] as Workflow;
}
