import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import { finishRestore, markRestoreStage } from "../src/catalog/restores";
import type { Env } from "../src/env";
import { openSessionManifest } from "../src/repo/open";
import { restoreSessionSegment } from "../src/sessions/restore-sessions";
import { replayFeedStep } from "../src/sessions/replay-feed";
import { openRepository } from "../src/repo/open";
import { restoreNotes } from "../src/workflow-kit/restore-log";
import { CATALOG_STEP, DATA_STEP, finalOnPermanent, parseError, parsePayload } from "../src/workflow-kit/step-policy";
import { SessionRestoreParams } from "../schemas/workflows";

/** Restores Durable Object state from a session backup, one index segment per step; each object's import is atomic. */
export class SessionRestoreWorkflow extends WorkflowEntrypoint<Env, SessionRestoreParams> {
  override async run(event: WorkflowEvent<SessionRestoreParams>, step: WorkflowStep) {
    const payload = await parsePayload(event.payload, {
      schema: SessionRestoreParams,
      workflow: "SessionRestoreWorkflow",
      instanceId: event.instanceId,
      step,
      env: this.env,
    });
    const p = payload;
    const id = p.restore_id;
    const note = restoreNotes(step, this.env, id);
    try {
      const segments = await step.do("read manifest", DATA_STEP, () =>
        finalOnPermanent(async () => {
          await markRestoreStage(this.env.CATALOG_DB, id, "read manifest", null);
          return (await openSessionManifest(this.env, p.backup_id)).manifest.segments.length;
        }),
      );
      const which = p.objects ? `${p.objects.length} named object(s)` : "every object";
      await note(
        `restoring ${which} from session backup ${p.backup_id}${p.name_prefix ? ` under the prefix "${p.name_prefix}"` : ""}${p.skip_expired ? ", skipping expired entries" : ""}`,
      );
      let objects = 0;
      let applied = 0;
      let skipped = 0;
      for (let s = 0; s < segments; s++) {
        const r = await step.do(`restore ${s + 1}`, DATA_STEP, () =>
          finalOnPermanent(async () => {
            const { repo, manifest } = await openSessionManifest(this.env, p.backup_id);
            const out = await restoreSessionSegment(this.env, repo, manifest, s, id, p);
            await markRestoreStage(this.env.CATALOG_DB, id, "restore objects", { segments_done: s + 1, segments });
            return out;
          }),
        );
        objects += r.objects;
        applied += r.applied;
        skipped += r.skipped;
      }
      await note(`restored ${objects} objects: ${applied} entries written, ${skipped} expired entries left out`);
      if (p.feed) await this.carryForward(step, id, p, note);
      await step.do("record completion", CATALOG_STEP, () =>
        finishRestore(this.env.CATALOG_DB, id, { status: "completed", rows: applied }),
      );
      return { restore_id: id, objects, applied, skipped };
    } catch (e) {
      const err = parseError(e);
      await note(`restore failed: [${err.code}] ${err.message}`, "error");
      await step.do("record failure", CATALOG_STEP, () =>
        finishRestore(this.env.CATALOG_DB, id, { status: "failed", error_code: err.code, error: err.message }),
      );
      throw e;
    }
  }

  /** A restore to an instant: the change feed's segments over the base, a few a step (src/sessions/replay-feed.ts). */
  private async carryForward(step: WorkflowStep, id: string, p: SessionRestoreParams, note: ReturnType<typeof restoreNotes>) {
    const feed = p.feed!;
    let from: number | null = feed.first_seq;
    const done = { segments: 0, objects: 0, deleted: 0 };
    for (let n = 1; from !== null; n++) {
      const at: number = from;
      const r = await step.do(`replay feed ${n}`, DATA_STEP, () =>
        finalOnPermanent(async () => {
          const out = await replayFeedStep(this.env, await openRepository(this.env), id, feed, p, at);
          await markRestoreStage(this.env.CATALOG_DB, id, "replay session feed", { segment: at, through: feed.last_seq });
          return out;
        }),
      );
      done.segments += r.segments;
      done.objects += r.objects;
      done.deleted += r.deleted;
      from = r.next;
    }
    await note(
      `carried forward by the session change feed (segments ${feed.first_seq}..${feed.last_seq}): ${done.objects} object states applied, ${done.deleted} objects deleted`,
    );
  }
}
