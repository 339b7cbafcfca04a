import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import { type AssetRestorePosition, restoreAssetSlice } from "../src/assets/restore-assets";
import { finishRestore, markRestoreStage } from "../src/catalog/restores";
import type { Env } from "../src/env";
import { openAssetManifest, openRepository } from "../src/repo/open";
import { type FeedPosition, replayAssetFeedStep } from "../src/assets/replay-feed";
import { restoreNotes } from "../src/workflow-kit/restore-log";
import { CATALOG_STEP, DATA_STEP, finalOnPermanent, parseError, parsePayload } from "../src/workflow-kit/step-policy";
import { AssetRestoreParams } from "../schemas/workflows";

/** Object bytes one restore step writes. */
export const ASSET_RESTORE_STEP_BYTES = 256 << 20;

/**
 * Restores objects from an asset backup (everything, a prefix, or one key) into ASSETS_BUCKET or the sandbox
 * bucket. Each object is checked against the SHA-256 recorded at backup before it is written (multipart
 * uploads are completed only then). Objects not in the backup are left alone: this restores, it does not prune.
 */
export class AssetRestoreWorkflow extends WorkflowEntrypoint<Env, AssetRestoreParams> {
  override async run(event: WorkflowEvent<AssetRestoreParams>, step: WorkflowStep) {
    const payload = await parsePayload(event.payload, {
      schema: AssetRestoreParams,
      workflow: "AssetRestoreWorkflow",
      instanceId: event.instanceId,
      step,
      env: this.env,
    });
    const p = payload;
    const id = p.restore_id;
    const note = restoreNotes(step, this.env, id);
    const what =
      p.filter.key !== undefined ? `key ${p.filter.key}` : p.filter.prefix !== undefined ? `prefix ${p.filter.prefix}` : "every object";
    try {
      const plan = await step.do("read manifest", DATA_STEP, () =>
        finalOnPermanent(async () => {
          await markRestoreStage(this.env.CATALOG_DB, id, "read manifest", null);
          const { manifest } = await openAssetManifest(this.env, p.backup_id);
          return { objects: manifest.totals.objects, segments: manifest.segments.length };
        }),
      );
      await note(`restoring ${what} from asset backup ${p.backup_id} (${plan.objects} objects) into ${p.target_binding}`);

      let objects = 0;
      let bytes = 0;
      let pos: AssetRestorePosition | null = { segment: 0, entry: 0 };
      for (let n = 1; pos; n++) {
        const from: AssetRestorePosition = pos;
        const r = await step.do(`restore ${n}`, DATA_STEP, () =>
          finalOnPermanent(async () => {
            const { repo, manifest } = await openAssetManifest(this.env, p.backup_id);
            const slice = await restoreAssetSlice(this.env[p.target_binding], repo, manifest, p.filter, from, ASSET_RESTORE_STEP_BYTES);
            // Totals are known for a whole-bucket restore; a prefix or key is a part of unknown size until done.
            const whole = p.filter.prefix === undefined && p.filter.key === undefined;
            await markRestoreStage(this.env.CATALOG_DB, id, "restore objects", {
              objects: objects + slice.objects,
              bytes: bytes + slice.bytes,
              ...(whole ? { objects_total: manifest.totals.objects, bytes_total: manifest.totals.bytes } : {}),
            });
            return slice;
          }),
        );
        objects += r.objects;
        bytes += r.bytes;
        pos = r.next;
      }
      await note(`restored ${objects} objects (${bytes} bytes), each checked against its SHA-256 from the backup`);
      if (p.feed) await this.carryForward(step, p, note);
      await step.do("record completion", CATALOG_STEP, () =>
        finishRestore(this.env.CATALOG_DB, id, { status: "completed", rows: objects }),
      );
      return { restore_id: id, objects, bytes };
    } catch (e) {
      const err = parseError(e);
      await note(`restore failed: [${err.code}] ${err.message}`, "error");
      await step.do("record failure", CATALOG_STEP, () =>
        finishRestore(this.env.CATALOG_DB, id, { status: "failed", error_code: err.code, error: err.message }),
      );
      throw e;
    }
  }

  /** A restore to an instant: the asset change feed's segments over the base (src/assets/replay-feed.ts). */
  private async carryForward(step: WorkflowStep, p: AssetRestoreParams, note: ReturnType<typeof restoreNotes>) {
    const feed = p.feed!;
    const id = p.restore_id;
    const done = { objects: 0, bytes: 0, deleted: 0 };
    let pos: FeedPosition | null = { seq: feed.first_seq, line: 0 };
    for (let n = 1; pos; n++) {
      const from: FeedPosition = pos;
      const r = await step.do(`replay feed ${n}`, DATA_STEP, () =>
        finalOnPermanent(async () => {
          const out = await replayAssetFeedStep(
            this.env[p.target_binding],
            this.env.CATALOG_DB,
            await openRepository(this.env),
            feed,
            p.filter,
            from,
            ASSET_RESTORE_STEP_BYTES,
          );
          await markRestoreStage(this.env.CATALOG_DB, id, "replay asset feed", { segment: from.seq, through: feed.last_seq });
          return out;
        }),
      );
      done.objects += r.objects;
      done.bytes += r.bytes;
      done.deleted += r.deleted;
      pos = r.next;
    }
    await note(
      `carried forward by the asset change feed (segments ${feed.first_seq}..${feed.last_seq}): ${done.objects} objects written (${done.bytes} bytes), ${done.deleted} deleted`,
    );
  }
}
