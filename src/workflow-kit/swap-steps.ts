import type { WorkflowStep } from "cloudflare:workers";
import { cleanUpSwap } from "../restore/swap";
import { addProgress, progress, type SwapProgress } from "../restore/swap-calls";
import { SWAP_STEP_CALLS } from "./step-budget";
import { DATA_STEP, finalOnPermanent } from "./step-policy";

/**
 * Runs a resumable swap operation (fill, rollback, clean-up: each stops after `maxCalls` D1 calls and carries on from
 * the journal) as steps `<name> 1`, `<name> 2`, ... of SWAP_STEP_CALLS calls each, until it is done. Answers the
 * calls of all of them, the longest, and the first step's own answer.
 */
/** What one step of a swap operation answers (clean-up also says how many replaced tables it found). */
type StepAnswer = SwapProgress & { replaced?: number };

export async function swapSteps(
  step: WorkflowStep,
  name: string,
  work: (maxCalls: number) => Promise<StepAnswer>,
): Promise<{ total: SwapProgress; first: StepAnswer }> {
  const total = progress(false);
  let first: StepAnswer | null = null;
  for (let n = 1; !total.done; n++) {
    const p: StepAnswer = await step.do(`${name} ${n}`, DATA_STEP, () => finalOnPermanent(() => work(SWAP_STEP_CALLS)));
    first ??= p;
    addProgress(total, p);
    total.done = p.done;
  }
  return { total, first: first! };
}

/** Drops what a swap set aside and its staging, in steps; answers how many tables it replaced, with the calls. */
export async function cleanUpSwapSteps(
  step: WorkflowStep,
  name: string,
  db: D1Database,
  restoreId: string,
  opts: { abandon?: boolean } = {},
): Promise<SwapProgress & { replaced: number }> {
  const { total, first } = await swapSteps(step, name, (maxCalls) => cleanUpSwap(db, restoreId, { maxCalls, ...opts }));
  return { ...total, replaced: first.replaced ?? 0 };
}
