import { NonRetryableError } from "cloudflare:workflows";
import type { WorkflowStep } from "cloudflare:workers";
import { CATALOG_STEP, finalOnPermanent } from "./step-policy";

/**
 * The one way an orchestrating Workflow waits on its child instances (component backups, component restores, a
 * drill): a step looks (and may beat a heartbeat), then the instance sleeps, the interval growing from `baseMs` to
 * 30 s. One cap for every wait: at most MAX_LOOKS steps (sleeps do not count against the platform's 10,000 steps per
 * instance), which at the grown interval is about 16 hours.
 */
export const MAX_LOOKS = 2000;
const MAX_INTERVAL_MS = 30_000;

/** The sleep after look `n`: `baseMs` at first, a little longer each look, never more than 30 s. */
export function lookInterval(baseMs: number, n: number): number {
  return Math.min(MAX_INTERVAL_MS, Math.round(baseMs * (1 + n / 20)));
}

/** Looks until `look` answers something other than null, and returns it; fails (for good) after MAX_LOOKS looks. */
export async function waitForChildren<T extends Rpc.Serializable<T>>(
  step: WorkflowStep,
  name: string,
  look: () => Promise<T | null>,
  opts: { baseMs: number; heartbeat?: () => Promise<void> },
): Promise<T> {
  for (let n = 1; n <= MAX_LOOKS; n++) {
    const v = await step.do(`${name}: check ${n}`, CATALOG_STEP, async () => {
      await opts.heartbeat?.();
      return finalOnPermanent(look) as Promise<Rpc.Serializable<T | null>>;
    });
    if (v !== null) return v as T;
    await step.sleep(`${name}: wait ${n}`, lookInterval(opts.baseMs, n));
  }
  throw new NonRetryableError(`[timeout] ${name}: still waiting after ${MAX_LOOKS} looks`);
}
