import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import { DatabaseManifest } from "../schemas/manifest";
import { finishRestore, logRestore, markRestoreStage } from "../src/catalog/restores";
import { type ScanSpec, stagingScanSpec } from "../src/db/scan";
import type { Env, RestoreTargetBinding } from "../src/env";
import { IntegrityError, NotFoundError } from "../src/errors";
import { Layout } from "../src/repo/layout";
import { Repository } from "../src/repo/repository";
import { loadChunks } from "../src/restore/load";
import { createStaging, dropStaging, stageName } from "../src/restore/staging";
import { planSwap, prepareAll } from "../src/restore/swap";
import { type VerifyPosition, verifySlice, verifyTargetShape } from "../src/restore/verify-against-manifest";
import { CATALOG_STEP, DATA_STEP, finalOnPermanent, parseError } from "./step-policy";

export interface DatabaseRestoreParams {
  restore_id: string;
  backup_id: string;
  target_binding: RestoreTargetBinding;
  requested_by: string;
}

/** Chunks loaded per step: each is one D1 transaction of ~2 MB of rows. */
export const LOAD_STEP_CHUNKS = 16;
export const VERIFY_STEP_BYTES = 64 << 20;

async function openManifest(env: Env, backupId: string): Promise<{ repo: Repository; manifest: DatabaseManifest }> {
  const repo = await Repository.open(env.BACKUP_BUCKET, env.BACKUP_ENCRYPTION_KEY);
  const json = await repo.getManifestJson(backupId);
  if (json === null) throw new NotFoundError(`backup ${backupId} has no manifest in the repository`);
  const parsed = DatabaseManifest.safeParse(json);
  if (!parsed.success) throw new IntegrityError(Layout.manifest(backupId), `manifest does not match format v1: ${parsed.error.issues[0]?.message}`);
  return { repo, manifest: parsed.data };
}

/**
 * Restores a database backup into a D1 binding without ever leaving it half-restored:
 * load every chunk into staging tables, prove the staging copy equals the manifest (every chunk re-derived and
 * compared), swap it in with one transaction, then check the target's schema objects and row counts. On failure
 * before the swap commits, the staging tables are dropped and the target is exactly as it was.
 */
export class DatabaseRestoreWorkflow extends WorkflowEntrypoint<Env, DatabaseRestoreParams> {
  override async run(event: WorkflowEvent<DatabaseRestoreParams>, step: WorkflowStep) {
    const p = event.payload;
    const id = p.restore_id;
    const target = () => this.env[p.target_binding];
    let log = 0;
    const note = (message: string, level: "info" | "warn" | "error" = "info") => {
      const seq = ++log;
      return step.do(`log ${seq}`, CATALOG_STEP, () => logRestore(this.env.CATALOG_DB, id, seq, level, message));
    };
    try {
      const plan = await step.do("read manifest", DATA_STEP, () =>
        finalOnPermanent(async () => {
          await markRestoreStage(this.env.CATALOG_DB, id, "read manifest", null);
          const { manifest } = await openManifest(this.env, p.backup_id);
          return {
            tables: manifest.tables.map((t) => ({ name: t.name, rows: t.rows, chunks: t.chunks.length })),
            rows: manifest.totals.rows,
          };
        }),
      );
      await note(`restoring backup ${p.backup_id} (${plan.tables.length} tables, ${plan.rows} rows) into ${p.target_binding}`);

      await step.do("prepare staging", DATA_STEP, () =>
        finalOnPermanent(async () => {
          const { manifest } = await openManifest(this.env, p.backup_id);
          await createStaging(target(), id, manifest.schema.tables);
          await markRestoreStage(this.env.CATALOG_DB, id, "prepare staging", null);
        }),
      );

      // Load: bounded steps over (table, chunk).
      const work = plan.tables.flatMap((t, ti) => Array.from({ length: t.chunks }, (_, ci) => [ti, ci] as const));
      for (let i = 0; i < work.length; i += LOAD_STEP_CHUNKS) {
        const batch = work.slice(i, i + LOAD_STEP_CHUNKS);
        await step.do(`load ${i / LOAD_STEP_CHUNKS + 1}`, DATA_STEP, () =>
          finalOnPermanent(async () => {
            const { repo, manifest } = await openManifest(this.env, p.backup_id);
            await loadChunks(
              target(),
              repo,
              batch.map(([ti, ci]) => ({ stage: stageName(id, ti), table: manifest.tables[ti]!, chunkIndex: ci })),
            );
            await markRestoreStage(this.env.CATALOG_DB, id, "load", { chunks_loaded: i + batch.length, chunks_total: work.length });
          }),
        );
      }
      await note(`loaded ${work.length} chunks into staging`);

      await this.verify(step, "verify staging", p, (m) => m.schema.tables.map((t, i) => stagingScanSpec(t, stageName(id, i))));
      await note("staging matches the manifest: every table's rows and checksums");

      await step.do("swap", DATA_STEP, () =>
        finalOnPermanent(async () => {
          const { manifest } = await openManifest(this.env, p.backup_id);
          const stillStaged = await target()
            .prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?")
            .bind(stageName(id, 0))
            .first<number>("n");
          // A retry after a swap that committed finds no staging left: the swap is done, do not run it twice.
          if (manifest.schema.tables.length > 0 && stillStaged === 0) return;
          await target().batch(prepareAll(target(), await planSwap(target(), id, manifest.schema)));
          await markRestoreStage(this.env.CATALOG_DB, id, "swap", null);
        }),
      );
      await note("swapped the restored tables in (one transaction)");

      await step.do("verify target", DATA_STEP, () =>
        finalOnPermanent(async () => {
          const { manifest } = await openManifest(this.env, p.backup_id);
          await verifyTargetShape(target(), manifest);
          await markRestoreStage(this.env.CATALOG_DB, id, "verify target", null);
        }),
      );
      await note("target matches the manifest: every schema object and every table's row count");

      await step.do("record completion", CATALOG_STEP, () => finishRestore(this.env.CATALOG_DB, id, { status: "completed", rows: plan.rows }));
      return { restore_id: id, backup_id: p.backup_id, rows: plan.rows, tables: plan.tables.length };
    } catch (e) {
      const err = parseError(e);
      await step.do("discard staging", CATALOG_STEP, () => dropStaging(target(), id));
      await note(`restore failed, target left as it was: [${err.code}] ${err.message}`, "error");
      await step.do("record failure", CATALOG_STEP, () =>
        finishRestore(this.env.CATALOG_DB, id, { status: "failed", error_code: err.code, error: err.message }),
      );
      throw e;
    }
  }

  private async verify(
    step: WorkflowStep,
    name: string,
    p: DatabaseRestoreParams,
    specsFor: (m: DatabaseManifest) => ScanSpec[],
  ): Promise<void> {
    let pos: VerifyPosition | null = { table: 0, after: null, chunk: 0, rows: 0 };
    for (let n = 1; pos; n++) {
      const from: VerifyPosition = pos;
      pos = await step.do(`${name} ${n}`, DATA_STEP, () =>
        finalOnPermanent(async () => {
          const { repo, manifest } = await openManifest(this.env, p.backup_id);
          const next = await verifySlice(this.env[p.target_binding], specsFor(manifest), manifest.tables, repo.config.chunker, from, VERIFY_STEP_BYTES);
          await markRestoreStage(this.env.CATALOG_DB, p.restore_id, name, { tables_verified: next ? next.table : manifest.tables.length });
          return next;
        }),
      );
    }
  }
}
