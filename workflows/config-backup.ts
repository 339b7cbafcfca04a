import { openRepository } from "../src/repo/open";
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import { ConfigManifest } from "../schemas/config-manifest";
import { FORMAT_VERSION } from "../schemas/manifest";
import { markBackupCompleted, markBackupProgress } from "../src/catalog/backups";
import { captureConfig } from "../src/config-backup/snapshot";
import type { Env } from "../src/env";
import { completedResult } from "../src/catalog/manifest-facts";
import { Layout } from "../src/repo/layout";
import { recordingFailure, replicateSteps } from "../src/workflow-kit/backup-steps";
import { CATALOG_STEP, DATA_STEP, finalOnPermanent, parsePayload } from "../src/workflow-kit/step-policy";
import { ConfigBackupParams } from "../schemas/workflows";

/**
 * Backup of the configuration: non-secret vars, bindings and their kinds, schedules, each database's migration
 * version and schema digest, and the names (never the values) of secrets. Small, so one step writes and reads
 * back its manifest.
 */
export class ConfigBackupWorkflow extends WorkflowEntrypoint<Env, ConfigBackupParams> {
  override async run(event: WorkflowEvent<ConfigBackupParams>, step: WorkflowStep) {
    const payload = await parsePayload(event.payload, {
      schema: ConfigBackupParams,
      workflow: "ConfigBackupWorkflow",
      instanceId: event.instanceId,
      step,
      env: this.env,
    });
    const p = payload;
    const id = p.backup_id;
    return recordingFailure(step, this.env, id, async () => {
      const summary = await step.do("capture configuration", DATA_STEP, () =>
        finalOnPermanent(async () => {
          const started_at = new Date().toISOString();
          await markBackupProgress(this.env.CATALOG_DB, id, "capture configuration", {});
          const repo = await openRepository(this.env);
          const manifest: ConfigManifest = {
            format: "vaultline-config-manifest",
            version: FORMAT_VERSION,
            backup_id: id,
            type: "config",
            component: "config",
            ...(p.description ? { description: p.description } : {}),
            requested_by: p.requested_by,
            started_at,
            completed_at: new Date().toISOString(),
            data_key_id: repo.config.data_key_id,
            config: await captureConfig(this.env),
          };
          const { manifest: back, stored } = await repo.commitManifest(id, manifest, ConfigManifest);
          return completedResult(back, Layout.manifest(id), stored);
        }),
      );
      await step.do("record in catalog", CATALOG_STEP, () => markBackupCompleted(this.env.CATALOG_DB, id, summary));
      await replicateSteps(step, this.env, id);
      return { backup_id: id, ...summary };
    });
  }
}
