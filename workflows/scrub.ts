import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import type { Env } from "../src/env";
import { replicaOf } from "../src/replication/replica";
import { SCRUB_PAGE, type ScrubPage, scrubCycleDays, scrubPage, scrubPrimaryPage } from "../src/replication/scrub";
import { CATALOG_STEP, DATA_STEP, finalOnPermanent, parsePayload } from "../src/workflow-kit/step-policy";
import { ScrubParams } from "../schemas/workflows";
import { advanceScrub, finishScrubRun, insertScrubRun, scrubCursor } from "../src/catalog/replication";
import { latestSampleObjects } from "../src/catalog/storage-samples";

/**
 * The rotating scrub (docs/REPLICATION.md): each run reads the next slice of the repository in full, so every object
 * is read at least once every SCRUB_CYCLE_DAYS (the cursor persists in `scrub_state`). With replication on it reads
 * both copies and repairs a missing or corrupted one from the good one; without, it checks the primary and reports.
 */
export class ScrubWorkflow extends WorkflowEntrypoint<Env, ScrubParams> {
  override async run(event: WorkflowEvent<ScrubParams>, step: WorkflowStep) {
    const payload = await parsePayload(event.payload, {
      schema: ScrubParams,
      workflow: "ScrubWorkflow",
      instanceId: event.instanceId,
      step,
      env: this.env,
    });
    const id = payload.run_id;
    const db = this.env.CATALOG_DB;
    const replica = replicaOf(this.env);
    const plan = await step.do("plan", CATALOG_STEP, async () => {
      await insertScrubRun(db, id);
      const latest = await latestSampleObjects(db);
      const period = scrubCycleDays(this.env);
      return { cursor: await scrubCursor(db), slice: payload.objects ?? Math.max(200, Math.ceil(latest / period)) };
    });
    const report = {
      checked: 0,
      bytes: 0,
      repaired: [] as ScrubPage["repaired"],
      mirrored: 0,
      unrepairable: [] as ScrubPage["unrepairable"],
      cycle_completed: false,
      // Both copies with replication on; the primary alone otherwise (re-read and checked, reported when bad).
      mode: replica ? ("both copies" as const) : ("primary only" as const),
    };
    {
      let cursor: string | null = plan.cursor;
      for (let n = 1; report.checked < plan.slice; n++) {
        const from = cursor;
        const limit = Math.min(SCRUB_PAGE, plan.slice - report.checked);
        const page = await step.do(`scrub ${n}`, DATA_STEP, () =>
          finalOnPermanent(() =>
            replica ? scrubPage(this.env, replica, from ?? undefined, limit) : scrubPrimaryPage(this.env, from ?? undefined, limit),
          ),
        );
        report.checked += page.checked;
        report.bytes += page.bytes;
        report.repaired.push(...page.repaired.slice(0, 100));
        report.mirrored += page.mirrored.length;
        report.unrepairable.push(...page.unrepairable.slice(0, 100));
        cursor = page.cursor;
        await step.do(`scrub ${n}: cursor`, CATALOG_STEP, async () => {
          // A cycle ends when the listing ends; the next run starts the next cycle from the beginning.
          await advanceScrub(db, cursor, page.checked);
        });
        if (cursor === null) {
          report.cycle_completed = true;
          break;
        }
      }
    }
    await step.do("record", CATALOG_STEP, async () => {
      await finishScrubRun(db, id, report);
    });
    return { run_id: id, checked: report.checked, repaired: report.repaired.length, unrepairable: report.unrepairable.length };
  }
}
