import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import type { Env } from "../src/env";
import { replicaOf } from "../src/replication/replica";
import { SCRUB_PAGE, type ScrubPage, scrubPage } from "../src/replication/scrub";
import { CATALOG_STEP, DATA_STEP, finalOnPermanent, parsePayload } from "./step-policy";
import { ScrubParams } from "../schemas/workflows";

/**
 * The rotating scrub (docs/REPLICATION.md): each run reads the next slice of both copies in full, so every object is
 * read at least once every SCRUB_PERIOD_DAYS (the cursor persists in `scrub_state`), and repairs a missing or
 * corrupted copy from the good one.
 */
export class ScrubWorkflow extends WorkflowEntrypoint<Env, ScrubParams> {
  override async run(event: WorkflowEvent<ScrubParams>, step: WorkflowStep) {
    const payload = await parsePayload(event.payload, { schema: ScrubParams, workflow: "ScrubWorkflow", instanceId: event.instanceId, step, env: this.env });
    const id = payload.run_id;
    const db = this.env.CATALOG_DB;
    const replica = replicaOf(this.env);
    const plan = await step.do("plan", CATALOG_STEP, async () => {
      await db.prepare(`INSERT OR IGNORE INTO scrub_runs (id, status, started_at) VALUES (?, 'running', ?)`).bind(id, new Date().toISOString()).run();
      const state = (await db.prepare(`SELECT cursor FROM scrub_state WHERE id = 1`).first<{ cursor: string | null }>())!;
      const latest = await db.prepare(`SELECT sum(objects) AS n FROM storage_samples WHERE at = (SELECT max(at) FROM storage_samples)`).first<number | null>("n");
      const period = Math.max(1, Number(this.env.SCRUB_PERIOD_DAYS || 30));
      return { cursor: state.cursor, slice: payload.objects ?? Math.max(200, Math.ceil((latest ?? 0) / period)) };
    });
    const report = { checked: 0, bytes: 0, repaired: [] as ScrubPage["repaired"], mirrored: 0, unrepairable: [] as ScrubPage["unrepairable"], cycle_completed: false, enabled: replica !== null };
    if (replica) {
      let cursor: string | null = plan.cursor;
      for (let n = 1; report.checked < plan.slice; n++) {
        const from = cursor;
        const limit = Math.min(SCRUB_PAGE, plan.slice - report.checked);
        const page = await step.do(`scrub ${n}`, DATA_STEP, () => finalOnPermanent(() => scrubPage(this.env, replica, from ?? undefined, limit)));
        report.checked += page.checked;
        report.bytes += page.bytes;
        report.repaired.push(...page.repaired.slice(0, 100));
        report.mirrored += page.mirrored.length;
        report.unrepairable.push(...page.unrepairable.slice(0, 100));
        cursor = page.cursor;
        await step.do(`scrub ${n}: cursor`, CATALOG_STEP, async () => {
          // A cycle ends when the listing ends; the next run starts the next cycle from the beginning.
          if (cursor === null) {
            await db.prepare(`UPDATE scrub_state SET cursor = NULL, cycle_started_at = NULL, cycle_checked = 0, last_cycle_completed_at = ? WHERE id = 1`).bind(new Date().toISOString()).run();
          } else {
            await db.prepare(`UPDATE scrub_state SET cursor = ?, cycle_started_at = coalesce(cycle_started_at, ?), cycle_checked = cycle_checked + ? WHERE id = 1`).bind(cursor, new Date().toISOString(), page.checked).run();
          }
        });
        if (cursor === null) {
          report.cycle_completed = true;
          break;
        }
      }
    }
    await step.do("record", CATALOG_STEP, async () => {
      await db.prepare(`UPDATE scrub_runs SET status = 'completed', completed_at = ?, report = ? WHERE id = ?`).bind(new Date().toISOString(), JSON.stringify(report), id).run();
    });
    return { run_id: id, checked: report.checked, repaired: report.repaired.length, unrepairable: report.unrepairable.length };
  }
}
