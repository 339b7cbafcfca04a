import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import { finishRestore, markRestoreStage } from "../src/catalog/restores";
import type { Env } from "../src/env";
import { openSessionManifest } from "../src/repo/open";
import { restoreSessionSegment } from "../src/sessions/restore-sessions";
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
}
