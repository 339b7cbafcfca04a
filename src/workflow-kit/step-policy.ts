import { NonRetryableError } from "cloudflare:workflows";
import type { WorkflowStep, WorkflowStepConfig } from "cloudflare:workers";
import type { z } from "zod";
import { audit } from "../catalog/audit-log";
import { VaultlineError } from "../errors";

/** Data steps: a few retries with backoff; each does bounded work, so fifteen minutes is generous. */
export const DATA_STEP: WorkflowStepConfig = {
  retries: { limit: 3, delay: "5 seconds", backoff: "exponential" },
  timeout: "15 minutes",
};

/** Bookkeeping steps (catalog writes): cheap, so retry more. */
export const CATALOG_STEP: WorkflowStepConfig = {
  retries: { limit: 5, delay: "2 seconds", backoff: "exponential" },
  timeout: "2 minutes",
};

/** Codes a retry cannot fix: a wrong key stays wrong, a corrupted object stays corrupted. */
const FINAL = new Set([
  "scope_error",
  "verification_failed",
  "key_mismatch",
  "config_error",
  "integrity_error",
  "unsupported_schema",
  "not_found",
  "invalid_request",
]);

/** Runs a step body; errors that retrying cannot fix fail the step at once, with their code kept in the message. */
export async function finalOnPermanent<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof VaultlineError && (FINAL.has(e.code) || e.retryable === false)) throw new NonRetryableError(formatError(e));
    // Retried: still carry the code, since only the message crosses the step boundary.
    if (e instanceof VaultlineError) throw new Error(formatError(e));
    throw e;
  }
}

export function formatError(e: VaultlineError): string {
  return `[${e.code}] ${e.message}`;
}

/** Splits "[code] message" (as step errors carry it across the workflow boundary) back into its parts. */
export function parseError(e: unknown): { code: string; message: string } {
  const message = e instanceof Error ? e.message : String(e);
  // The platform may prefix the error name ("NonRetryableError: [integrity_error] ...").
  const m = /^(?:\w+: )?\[([a-z_]+)\] ([\s\S]*)$/.exec(message);
  if (m) return { code: m[1]!, message: m[2]! };
  if (e instanceof VaultlineError) return { code: e.code, message: e.message };
  return { code: "internal_error", message };
}

/**
 * One step per page of a listing, named `${name} 1`, `${name} 2`, ..., until the page's cursor runs out. Each page's
 * result goes to `each`; the cursor passed to a page is the one its predecessor returned, so a replay repeats it.
 */
export async function pagedSteps<T extends Rpc.Serializable<T> & { cursor: string | null }>(
  step: WorkflowStep,
  name: string,
  config: WorkflowStepConfig,
  page: (cursor: string | undefined) => Promise<T>,
  each: (result: T) => void,
): Promise<void> {
  for (let n = 1, c: string | null | undefined; c !== null; n++) {
    const from = c ?? undefined;
    const r = await step.do(`${name} ${n}`, config, () => finalOnPermanent(() => page(from)));
    each(r);
    c = r.cursor;
  }
}

/**
 * The first thing every `run()` does: its payload against its schema (schemas/workflows.ts), in a step of its own.
 * A malformed payload is audited (`workflow.payload_invalid`, naming the instance, the workflow and the field), then
 * fails the instance at once, never retried: `[invalid_payload] FooWorkflow: backup_id: ...`. Nothing else runs. The
 * parsed payload is the step's result (small: ids and a plan).
 */
export async function parsePayload<S extends z.ZodType>(
  payload: unknown,
  at: { schema: S; workflow: string; instanceId: string; step: WorkflowStep; env: { CATALOG_DB: D1Database } },
): Promise<z.infer<S>> {
  const { schema, workflow, step, env } = at;
  return (await step.do("payload", { retries: { limit: 0, delay: 0 } }, async () => {
    const r = schema.safeParse(payload);
    if (r.success) return r.data as Rpc.Serializable<z.infer<S>>;
    const issue = r.error.issues[0]!;
    const field = issue.path.map(String).join(".") || "payload";
    const message = `${workflow}: ${field}: ${issue.message}`;
    await audit(env.CATALOG_DB, {
      actor: "system",
      action: "workflow.payload_invalid",
      target: at.instanceId,
      outcome: 400,
      detail: { workflow, field, message },
    });
    throw new NonRetryableError(`[invalid_payload] ${message}`);
  })) as z.infer<S>;
}
