import { openRepository } from "../src/repo/open";
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import { AssetManifest } from "../schemas/assets";
import { type AssetSliceResult, exportAssetSlice } from "../src/assets/export-assets";
import { IndexLookup } from "../src/assets/index-lookup";
import { buildAssetManifest } from "../src/assets/manifest";
import { latestCompleted, markBackupCompleted, markBackupProgress } from "../src/catalog/backups";
import type { Env } from "../src/env";
import { completedResult } from "../src/catalog/manifest-facts";
import { Layout } from "../src/repo/layout";
import type { Repository } from "../src/repo/repository";
import { recordingFailure, verifyWrittenSteps, replicateSteps } from "../src/workflow-kit/backup-steps";
import { CATALOG_STEP, DATA_STEP, finalOnPermanent, parsePayload } from "../src/workflow-kit/step-policy";
import { AssetBackupParams } from "../schemas/workflows";

/** Object bytes one export step reads (objects unchanged since the base are not read and do not count). */
export const ASSET_STEP_BYTES = 256 << 20;

async function openBase(repo: Repository, baseId: string | null): Promise<IndexLookup | null> {
  if (!baseId) return null;
  const m = AssetManifest.parse(await repo.getManifestJson(baseId));
  return new IndexLookup(repo, m.segments);
}

/**
 * Backup of ASSETS_BUCKET: every object, in key order, in bounded steps. Objects unchanged since the previous
 * asset backup are referenced; others are streamed into the repository in 8 MiB parts. The index lists every
 * object present, so each asset backup is a complete point in time and a deletion shows as an absence.
 */
export class AssetBackupWorkflow extends WorkflowEntrypoint<Env, AssetBackupParams> {
  override async run(event: WorkflowEvent<AssetBackupParams>, step: WorkflowStep) {
    const payload = await parsePayload(event.payload, {
      schema: AssetBackupParams,
      workflow: "AssetBackupWorkflow",
      instanceId: event.instanceId,
      step,
      env: this.env,
    });
    const p = payload;
    const id = p.backup_id;
    const repoOf = () => openRepository(this.env);
    return recordingFailure(step, this.env, id, async () => {
      const opened = await step.do("open repository", DATA_STEP, () =>
        finalOnPermanent(async () => {
          await markBackupProgress(this.env.CATALOG_DB, id, "open repository", {});
          const repo = await repoOf();
          const base = await latestCompleted(this.env.CATALOG_DB, "assets");
          const baseObjects = base ? AssetManifest.parse(await repo.getManifestJson(base.id)).totals.objects : 0;
          return {
            data_key_id: repo.config.data_key_id,
            started_at: new Date().toISOString(),
            base: base ? { backup_id: base.id, objects: baseObjects } : null,
          };
        }),
      );

      const slices: AssetSliceResult[] = [];
      let after: string | null = null;
      do {
        const from: string | null = after;
        const n = slices.length + 1;
        const slice: AssetSliceResult = await step.do(`export ${n}`, DATA_STEP, () =>
          finalOnPermanent(async () => {
            const repo = await repoOf();
            const r = await exportAssetSlice(
              this.env.ASSETS_BUCKET,
              repo,
              await openBase(repo, opened.base?.backup_id ?? null),
              from,
              ASSET_STEP_BYTES,
            );
            await markBackupProgress(this.env.CATALOG_DB, id, `export ${n}`, {
              objects: slices.reduce((t, s) => t + s.objects, 0) + r.objects,
              copied_bytes: slices.reduce((t, s) => t + s.copied_bytes, 0) + r.copied_bytes,
            });
            return r;
          }),
        );
        slices.push(slice);
        after = slice.next;
      } while (after !== null);

      const verifyMs = await verifyWrittenSteps(
        step,
        this.env,
        id,
        slices.flatMap((s) => s.written),
      );

      const summary = await step.do("write manifest", DATA_STEP, () =>
        finalOnPermanent(async () => {
          const repo = await repoOf();
          const manifest = buildAssetManifest({
            backup_id: id,
            description: p.description,
            requested_by: p.requested_by,
            started_at: opened.started_at,
            data_key_id: opened.data_key_id,
            base: opened.base,
            slices,
            timings_ms: { export: slices.reduce((t, s) => t + s.ms, 0), verify: verifyMs },
          });
          const { manifest: back, stored } = await repo.commitManifest(id, manifest, AssetManifest);
          return completedResult(back, Layout.manifest(id), stored);
        }),
      );
      await step.do("record in catalog", CATALOG_STEP, () => markBackupCompleted(this.env.CATALOG_DB, id, summary));
      await replicateSteps(step, this.env, id);
      return { backup_id: id, ...summary };
    });
  }
}
