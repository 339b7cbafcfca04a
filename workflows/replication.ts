import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import type { Env } from "../src/env";
import { catchUpPage, markCaughtUp } from "../src/replication/catch-up";
import { replicaOf } from "../src/replication/replica";
import { CATALOG_STEP, DATA_STEP, pagedSteps, parseError, parsePayload } from "../src/workflow-kit/step-policy";
import { ReplicationParams } from "../schemas/workflows";
import { finishReplicationRun, insertReplicationRun } from "../src/catalog/replication";

/**
 * Catch-up replication (docs/REPLICATION.md): walks the primary bucket in pages and copies whatever the replica lacks
 * or holds differently (after the replica was unreachable, or objects written outside a backup: change-log and
 * audit segments), then marks the backups now fully replicated and records the lag it found.
 */
export class ReplicationWorkflow extends WorkflowEntrypoint<Env, ReplicationParams> {
  override async run(event: WorkflowEvent<ReplicationParams>, step: WorkflowStep) {
    const payload = await parsePayload(event.payload, {
      schema: ReplicationParams,
      workflow: "ReplicationWorkflow",
      instanceId: event.instanceId,
      step,
      env: this.env,
    });
    const id = payload.run_id;
    const db = this.env.CATALOG_DB;
    const replica = replicaOf(this.env);
    await step.do("start", CATALOG_STEP, async () => {
      await insertReplicationRun(db, id, payload.trigger);
    });
    if (!replica) {
      await step.do("off", CATALOG_STEP, async () => {
        await finishReplicationRun(db, id, { status: "completed", error: "CROSS_REGION_REPLICATION is off" });
      });
      return { run_id: id, enabled: false };
    }
    try {
      const began = await step.do("began", CATALOG_STEP, async () => Date.now());
      const total = { checked: 0, copied: 0, bytes: 0, oldest: null as number | null };
      await pagedSteps(
        step,
        "catch up",
        DATA_STEP,
        (c) => catchUpPage(this.env, replica, c),
        (page) => {
          total.checked += page.checked;
          total.copied += page.copied;
          total.bytes += page.bytes;
          if (page.oldest_missing !== null)
            total.oldest = total.oldest === null ? page.oldest_missing : Math.min(total.oldest, page.oldest_missing);
        },
      );
      const marked = await step.do("mark replicated", CATALOG_STEP, () => markCaughtUp(this.env, replica));
      const lag = total.oldest === null ? 0 : Math.max(0, Math.round((began - total.oldest) / 1000));
      await step.do("record", CATALOG_STEP, async () => {
        await finishReplicationRun(db, id, {
          status: "completed",
          checked: total.checked,
          copied: total.copied,
          bytes: total.bytes,
          lag_seconds: lag,
        });
      });
      return { run_id: id, ...total, lag_seconds: lag, backups_marked: marked };
    } catch (e) {
      const err = parseError(e);
      await step.do("record failure", CATALOG_STEP, async () => {
        await finishReplicationRun(db, id, { status: "failed", error: `[${err.code}] ${err.message}` });
      });
      throw e;
    }
  }
}
