import { openRepository } from "../src/repo/open";
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import { COMPONENT_TYPE, TYPE_COMPONENTS } from "../schemas/api";
import { FORMAT_VERSION } from "../schemas/manifest";
import { SystemManifest } from "../schemas/system-manifest";
import { startBackup } from "../src/backup/start";
import { childBackups, markBackupCompleted, markBackupProgress } from "../src/catalog/backups";
import type { Env } from "../src/env";
import { completedResult } from "../src/catalog/manifest-facts";
import { Layout } from "../src/repo/layout";
import { recordingFailure, replicateSteps } from "../src/workflow-kit/backup-steps";
import { CATALOG_STEP, DATA_STEP, finalOnPermanent, parseError, parsePayload } from "../src/workflow-kit/step-policy";
import { FullSystemBackupParams } from "../schemas/workflows";
import { waitForChildren } from "../src/workflow-kit/child-waits";
import { backupBinding, workflowOf } from "../src/launch";

/** Between looks at the component backups, to begin with (src/workflow-kit/child-waits.ts grows it). */
const POLL_MS = 10_000;

/**
 * A backup of every component at once: each component backup runs as its own Workflow instance, concurrently,
 * named after this one (`<id>_<component>`). When all have completed, one system manifest names them and the
 * time they span. When one fails, the system backup fails naming it and why; the others stay valid and listed.
 */
export class FullSystemBackupWorkflow extends WorkflowEntrypoint<Env, FullSystemBackupParams> {
  override async run(event: WorkflowEvent<FullSystemBackupParams>, step: WorkflowStep) {
    const payload = await parsePayload(event.payload, {
      schema: FullSystemBackupParams,
      workflow: "FullSystemBackupWorkflow",
      instanceId: event.instanceId,
      step,
      env: this.env,
    });
    const p = payload;
    const id = p.backup_id;
    const components = p.components ?? TYPE_COMPONENTS.full_system;
    return recordingFailure(
      step,
      this.env,
      id,
      async () => {
        const started_at = await step.do("start components", CATALOG_STEP, async () => {
          await markBackupProgress(this.env.CATALOG_DB, id, "start components", { components });
          for (const component of components) {
            const type = COMPONENT_TYPE[component];
            const childId = `${id}_${component}`;
            // Idempotent: a retried step finds the catalog row and the instance already there.
            const exists = await workflowOf(this.env, backupBinding(type))
              .get(childId)
              .then(
                () => true,
                () => false,
              );
            if (!exists) {
              await startBackup(this.env, {
                id: childId,
                type,
                components: [component],
                description: p.description,
                requested_by: p.requested_by,
                trigger: "system",
                parent_id: id,
              });
            }
          }
          return new Date().toISOString();
        });

        const children = await waitForChildren(
          step,
          "components",
          async () => {
            const rows = await childBackups(this.env.CATALOG_DB, id);
            const view = rows.map((r) => ({
              component: (JSON.parse(r.components) as string[])[0]!,
              backup_id: r.id,
              type: r.type,
              status: r.status,
              error: r.error ? `[${r.error_code}] ${r.error}` : null,
              started_at: r.started_at,
              completed_at: r.completed_at,
            }));
            await markBackupProgress(
              this.env.CATALOG_DB,
              id,
              "wait for components",
              Object.fromEntries(view.map((c) => [c.component, c.status])),
            );
            return view.length === components.length && view.every((c) => c.status === "completed" || c.status === "failed") ? view : null;
          },
          { baseMs: POLL_MS },
        );

        const failed = children.filter((c) => c.status !== "completed");
        if (failed.length) {
          const why = failed
            .map((c) => `${c.component} (${c.backup_id}): ${c.status === "failed" ? c.error : `still ${c.status}`}`)
            .join("; ");
          throw new ComponentFailure(`component backup failed: ${why}; the other components' backups are complete and restorable`);
        }

        const summary = await step.do("write manifest", DATA_STEP, () =>
          finalOnPermanent(async () => {
            const repo = await openRepository(this.env);
            const parts = children.map((c) => ({
              component: c.component as (typeof components)[number],
              backup_id: c.backup_id,
              type: c.type,
              started_at: c.started_at!,
              completed_at: c.completed_at!,
            }));
            const manifest: SystemManifest = {
              format: "vaultline-system-manifest",
              version: FORMAT_VERSION,
              backup_id: id,
              type: p.type === "monthly_archive" ? "monthly_archive" : "full_system",
              component: "system",
              ...(p.description ? { description: p.description } : {}),
              requested_by: p.requested_by,
              started_at,
              completed_at: new Date().toISOString(),
              data_key_id: repo.config.data_key_id,
              components: parts,
              span: {
                from: parts.map((x) => x.started_at).sort()[0]!,
                to: parts
                  .map((x) => x.completed_at)
                  .sort()
                  .at(-1)!,
              },
            };
            const { manifest: back, stored } = await repo.commitManifest(id, manifest, SystemManifest);
            return completedResult(back, Layout.manifest(id), stored);
          }),
        );
        await step.do("record in catalog", CATALOG_STEP, () => markBackupCompleted(this.env.CATALOG_DB, id, summary));
        await replicateSteps(step, this.env, id);
        return { backup_id: id, components: children.map((c) => c.backup_id) };
      },
      (e) => (e instanceof ComponentFailure ? { code: "component_failed", message: e.message } : parseError(e)),
    );
  }
}

class ComponentFailure extends Error {}
