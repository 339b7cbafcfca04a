import { openRepository } from "../src/repo/open";
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import { DatabaseManifest, type DatabaseSchema } from "../schemas/manifest";
import { type ExportPosition, type ExportStepResult, exportSlice, exportStepBytes } from "../src/backup/export-tables";
import { buildDatabaseManifest } from "../src/backup/manifest";
import { markBackupCompleted, markBackupProgress } from "../src/catalog/backups";
import { recordCapturePoint, segmentsBetween, setTimeTravelBookmark, toSegmentRef } from "../src/catalog/capture";
import { readSchema } from "../src/db/schema";
import { providerProfile } from "../src/provider/profile";
import type { Env } from "../src/env";
import { completedResult } from "../src/catalog/manifest-facts";
import { Layout } from "../src/repo/layout";
import type { CapturePoint } from "../schemas/capture";
import { highWater } from "../src/capture/log";
import { CAPTURE_SOURCE } from "../src/capture/ship";
import { shipThrough } from "../src/capture/ship-through";
import { timeTravelBookmark } from "../src/capture/time-travel";
import { openRepositoryStep, recordingFailure, verifyWrittenSteps, replicateSteps } from "../src/workflow-kit/backup-steps";
import { CATALOG_STEP, DATA_STEP, finalOnPermanent, parsePayload } from "../src/workflow-kit/step-policy";
import { FullDatabaseBackupParams } from "../schemas/workflows";

/**
 * Full backup of OIDC_DB: schema snapshot, bounded export slices (chunked, deduplicated, sealed),
 * read-back verification of every new object, then the manifest (the commit point), then the catalog row.
 * Nothing is visible as a backup until its manifest exists and has been read back.
 */
export class FullDatabaseBackupWorkflow extends WorkflowEntrypoint<Env, FullDatabaseBackupParams> {
  override async run(event: WorkflowEvent<FullDatabaseBackupParams>, step: WorkflowStep) {
    const payload = await parsePayload(event.payload, {
      schema: FullDatabaseBackupParams,
      workflow: "FullDatabaseBackupWorkflow",
      instanceId: event.instanceId,
      step,
      env: this.env,
    });
    const p = payload;
    const id = p.backup_id;
    return recordingFailure(step, this.env, id, async () => {
      const opened = await openRepositoryStep(step, this.env, id);

      // Where the change log stands as the scan begins (null: capture not installed, the backup is a plain scan).
      const seqStart = await step.do("capture start", CATALOG_STEP, () => highWater(this.env.OIDC_DB));

      const schema: DatabaseSchema = await step.do("snapshot schema", DATA_STEP, () =>
        finalOnPermanent(async () => {
          const s = await readSchema(this.env.OIDC_DB, providerProfile(this.env).database.exclude_tables);
          await markBackupProgress(this.env.CATALOG_DB, id, "snapshot schema", { tables: s.tables.length });
          return s;
        }),
      );

      const slices: ExportStepResult[] = [];
      let pos: ExportPosition | null = { table: 0, after: null };
      while (pos) {
        const from: ExportPosition = pos;
        const n = slices.length + 1;
        const slice: ExportStepResult = await step.do(`export ${n}`, DATA_STEP, () =>
          finalOnPermanent(async () => {
            const repo = await openRepository(this.env);
            const r = await exportSlice(this.env.OIDC_DB, repo, schema.tables, from, exportStepBytes(this.env));
            const done = r.next ? r.next.table : schema.tables.length;
            await markBackupProgress(this.env.CATALOG_DB, id, `export ${n}`, {
              tables_done: done,
              tables_total: schema.tables.length,
              rows: slices.reduce((t, s) => t + s.rows, 0) + r.rows,
            });
            return r;
          }),
        );
        slices.push(slice);
        pos = slice.next;
      }

      // The scan is not a snapshot: rows changed while it ran. The changes logged in (seq_start, seq_end] are shipped
      // and named in the manifest; a restore applies them to the scanned rows and gets the database as of seq_end.
      const capture: CapturePoint | null =
        seqStart === null
          ? null
          : await step.do("capture end", DATA_STEP, () =>
              finalOnPermanent(async () => {
                const seqEnd = (await highWater(this.env.OIDC_DB)) ?? seqStart;
                const asOf = Date.now();
                await shipThrough(this.env, seqEnd);
                const segments = await segmentsBetween(this.env.CATALOG_DB, CAPTURE_SOURCE, seqStart, seqEnd);
                return { source: CAPTURE_SOURCE, seq_start: seqStart, seq_end: seqEnd, as_of: asOf, segments: segments.map(toSegmentRef) };
              }),
            );

      // The platform's own restore point for the same instant, for in-place recovery inside its window.
      const timeTravel = await step.do("time travel bookmark", CATALOG_STEP, () =>
        timeTravelBookmark(this.env, capture?.as_of ?? Date.now()),
      );

      const verifyMs = await verifyWrittenSteps(
        step,
        this.env,
        id,
        slices.flatMap((s) => s.written),
      );

      const summary = await step.do("write manifest", DATA_STEP, () =>
        finalOnPermanent(async () => {
          const repo = await openRepository(this.env);
          const manifest = await buildDatabaseManifest({
            backup_id: id,
            description: p.description,
            requested_by: p.requested_by,
            started_at: opened.started_at,
            data_key_id: opened.data_key_id,
            schema,
            slices,
            timings_ms: { export: slices.reduce((t, s) => t + s.ms, 0), verify: verifyMs },
            capture,
            time_travel: timeTravel,
            chunker: repo.config.chunker,
          });
          const { manifest: back, stored } = await repo.commitManifest(id, manifest, DatabaseManifest);
          return completedResult(back, Layout.manifest(id), stored);
        }),
      );

      await step.do("record in catalog", CATALOG_STEP, async () => {
        if (capture) await recordCapturePoint(this.env.CATALOG_DB, id, capture);
        if (timeTravel?.bookmark) await setTimeTravelBookmark(this.env.CATALOG_DB, id, timeTravel.bookmark);
        await markBackupCompleted(this.env.CATALOG_DB, id, summary);
      });
      await replicateSteps(step, this.env, id);
      return { backup_id: id, ...summary };
    });
  }
}
