import { openRepository } from "../src/repo/open";
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import { FORMAT_VERSION } from "../schemas/manifest";
import { IncrementalManifest } from "../schemas/incremental-manifest";
import { markBackupCompleted, markBackupProgress } from "../src/catalog/backups";
import { listBreaks, newestCaptureBase, recordCapturePoint, segmentsBetween, setBaseBackup, toSegmentRef } from "../src/catalog/capture";
import { completedResult } from "../src/catalog/manifest-facts";
import { CAPTURE_SOURCE } from "../src/capture/ship";
import { shipThrough } from "../src/capture/ship-through";
import { highWater } from "../src/capture/log";
import type { Env } from "../src/env";
import { VaultlineError } from "../src/errors";
import { Layout } from "../src/repo/layout";
import { openRepositoryStep, recordingFailure, replicateSteps } from "../src/workflow-kit/backup-steps";
import { CATALOG_STEP, DATA_STEP, finalOnPermanent, parsePayload } from "../src/workflow-kit/step-policy";
import { IncrementalBackupParams } from "../schemas/workflows";

/** No full backup to build on, or the chain from it is broken: only a new full backup helps. */
export class NoBaseError extends VaultlineError {
  constructor(message: string) {
    super("no_base", message, 409);
  }
}

/**
 * An incremental database backup: ships the change log up to now and records, under its own manifest, the
 * segments since the latest full backup taken with change capture (its base). Data is not copied again: the
 * segments are the shipper's objects, referenced. Restoring it is base + those segments.
 */
export class IncrementalBackupWorkflow extends WorkflowEntrypoint<Env, IncrementalBackupParams> {
  override async run(event: WorkflowEvent<IncrementalBackupParams>, step: WorkflowStep) {
    const payload = await parsePayload(event.payload, {
      schema: IncrementalBackupParams,
      workflow: "IncrementalBackupWorkflow",
      instanceId: event.instanceId,
      step,
      env: this.env,
    });
    const p = payload;
    const id = p.backup_id;
    return recordingFailure(step, this.env, id, async () => {
      const opened = await openRepositoryStep(step, this.env, id);

      const base = await step.do("find base", CATALOG_STEP, () =>
        finalOnPermanent(async () => {
          const row = await newestCaptureBase(this.env.CATALOG_DB);
          if (!row) throw new NoBaseError("no full database backup with change capture exists yet: take one first (type full_database)");
          const broken = (await listBreaks(this.env.CATALOG_DB, CAPTURE_SOURCE)).find(
            (b) => b.after_seq >= row.seq_end && b.known_until >= row.as_of,
          );
          if (broken)
            throw new NoBaseError(`the change log since backup ${row.id} is broken (${broken.kind}: ${broken.detail}); take a full backup`);
          await markBackupProgress(this.env.CATALOG_DB, id, "find base", { base_backup_id: row.id });
          return row;
        }),
      );

      const shipped = await step.do("ship changes", DATA_STEP, () =>
        finalOnPermanent(async () => {
          const hw = (await highWater(this.env.OIDC_DB)) ?? base.seq_end;
          const r = await shipThrough(this.env, hw);
          return { to_seq: r.last_seq, as_of: r.covered_until ?? Date.now() };
        }),
      );

      const summary = await step.do("write manifest", DATA_STEP, () =>
        finalOnPermanent(async () => {
          const segs = await segmentsBetween(this.env.CATALOG_DB, CAPTURE_SOURCE, base.seq_end, shipped.to_seq);
          let expected = base.seq_end + 1;
          for (const s of segs) {
            if (s.first_seq > expected)
              throw new NoBaseError(
                `changes ${expected}..${s.first_seq - 1} since backup ${base.id} are in no segment; take a full backup`,
              );
            expected = s.last_seq + 1;
          }
          const repo = await openRepository(this.env);
          const manifest: IncrementalManifest = {
            format: "vaultline-incremental-manifest",
            version: FORMAT_VERSION,
            backup_id: id,
            ...(p.description ? { description: p.description } : {}),
            requested_by: p.requested_by,
            started_at: opened.started_at,
            completed_at: new Date().toISOString(),
            data_key_id: opened.data_key_id,
            type: "incremental",
            component: "database",
            source: CAPTURE_SOURCE,
            base_backup_id: base.id,
            from_seq: base.seq_end + 1,
            to_seq: Math.max(shipped.to_seq, base.seq_end),
            as_of: shipped.as_of,
            segments: segs.map(toSegmentRef),
            totals: {
              entries: segs.reduce((n, s) => n + s.last_seq - Math.max(s.first_seq, base.seq_end + 1) + 1, 0),
              raw_bytes: segs.reduce((n, s) => n + s.raw_bytes, 0),
              stored_bytes: segs.reduce((n, s) => n + s.stored_bytes, 0),
            },
          };
          const { manifest: back, stored } = await repo.commitManifest(id, manifest, IncrementalManifest);
          return completedResult(back, Layout.manifest(id), stored);
        }),
      );

      await step.do("record in catalog", CATALOG_STEP, async () => {
        await setBaseBackup(this.env.CATALOG_DB, id, base.id);
        await recordCapturePoint(this.env.CATALOG_DB, id, {
          seq_start: base.seq_end,
          seq_end: Math.max(shipped.to_seq, base.seq_end),
          as_of: shipped.as_of,
        });
        await markBackupCompleted(this.env.CATALOG_DB, id, summary);
      });
      await replicateSteps(step, this.env, id);
      return { backup_id: id, base_backup_id: base.id, ...summary };
    });
  }
}
