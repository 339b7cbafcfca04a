import { openRepository } from "../src/repo/open";
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import { FORMAT_VERSION } from "../schemas/manifest";
import { SessionManifest } from "../schemas/sessions";
import { markBackupCompleted, markBackupProgress } from "../src/catalog/backups";
import { sessionRegistry } from "../src/sessions/objects";
import type { Env } from "../src/env";
import { VaultlineError } from "../src/errors";
import { completedResult } from "../src/catalog/manifest-facts";
import { Layout } from "../src/repo/layout";
import { type SessionSliceResult, exportSessionSlice } from "../src/sessions/export-sessions";
import { openRepositoryStep, recordingFailure, verifyWrittenSteps, replicateSteps } from "../src/workflow-kit/backup-steps";
import { CATALOG_STEP, DATA_STEP, finalOnPermanent, parseError, parsePayload } from "../src/workflow-kit/step-policy";
import { SessionBackupParams } from "../schemas/workflows";

export class ObjectExportError extends VaultlineError {
  constructor(message: string) {
    super("object_export_failed", message, 500);
  }
}

/**
 * Backup of the SESSIONS Durable Objects: every object in the registry, in name order, a bounded page of objects
 * per step, exported through the backup contract with bounded concurrency. An object that still fails after
 * retries fails the backup, named.
 */
export class SessionBackupWorkflow extends WorkflowEntrypoint<Env, SessionBackupParams> {
  override async run(event: WorkflowEvent<SessionBackupParams>, step: WorkflowStep) {
    const payload = await parsePayload(event.payload, {
      schema: SessionBackupParams,
      workflow: "SessionBackupWorkflow",
      instanceId: event.instanceId,
      step,
      env: this.env,
    });
    const p = payload;
    const id = p.backup_id;
    const repoOf = () => openRepository(this.env);
    return recordingFailure(
      step,
      this.env,
      id,
      async () => {
        const opened = await openRepositoryStep(step, this.env, id);
        const slices: SessionSliceResult[] = [];
        let after: string | null = null;
        do {
          const from: string | null = after;
          const n = slices.length + 1;
          const slice: SessionSliceResult = await step.do(`export ${n}`, DATA_STEP, () =>
            finalOnPermanent(async () => {
              const r = await exportSessionSlice(this.env, await repoOf(), from);
              await markBackupProgress(this.env.CATALOG_DB, id, `export ${n}`, {
                objects: slices.reduce((t, s) => t + s.objects, 0) + r.objects,
              });
              return r;
            }),
          );
          slices.push(slice);
          after = slice.next;
        } while (after !== null);

        const failed = slices.flatMap((s) => s.failed);
        if (failed.length) {
          throw new ObjectExportError(
            `${failed.length} object(s) could not be exported after retries: ${failed
              .slice(0, 20)
              .map((f) => `${f.name} (${f.error})`)
              .join("; ")}`,
          );
        }
        const verifyMs = await verifyWrittenSteps(
          step,
          this.env,
          id,
          slices.flatMap((s) => s.written),
        );

        const summary = await step.do("write manifest", DATA_STEP, () =>
          finalOnPermanent(async () => {
            const repo = await repoOf();
            const sum = (f: (s: SessionSliceResult) => number) => slices.reduce((t, s) => t + f(s), 0);
            const manifest: SessionManifest = {
              format: "vaultline-session-manifest",
              version: FORMAT_VERSION,
              backup_id: id,
              type: "sessions",
              component: "sessions",
              namespace: sessionRegistry(this.env)?.namespace ?? "",
              ...(p.description ? { description: p.description } : {}),
              requested_by: p.requested_by,
              started_at: opened.started_at,
              completed_at: new Date().toISOString(),
              data_key_id: opened.data_key_id,
              segments: slices.flatMap((s) => (s.segment ? [s.segment] : [])),
              totals: {
                objects: sum((s) => s.objects),
                entries: sum((s) => s.entries),
                bytes: sum((s) => s.bytes),
                new_chunks: sum((s) => s.written.length),
                new_stored_bytes: sum((s) => s.stored_bytes),
              },
              timings_ms: { export: sum((s) => s.ms), verify: verifyMs },
            };
            const { manifest: back, stored } = await repo.commitManifest(id, manifest, SessionManifest);
            return completedResult(back, Layout.manifest(id), stored);
          }),
        );
        await step.do("record in catalog", CATALOG_STEP, () => markBackupCompleted(this.env.CATALOG_DB, id, summary));
        await replicateSteps(step, this.env, id);
        return { backup_id: id, ...summary };
      },
      (e) => (e instanceof ObjectExportError ? { code: e.code, message: e.message } : parseError(e)),
    );
  }
}
