import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import type { TableInfo } from "../schemas/manifest";
import { finishRestore, markRestoreStage } from "../src/catalog/restores";
import { type ScanSpec, stagingScanSpec } from "../src/db/scan";
import type { Env } from "../src/env";
import { openDatabaseManifest } from "../src/repo/open";
import { type RestoreScope, resolveScope, type ScopedTable } from "../src/restore/scope";
import { planScopedSwap, prepareAll, verifyScoped } from "../src/restore/scoped-swap";
import { loadChunks, loadSteps } from "../src/restore/load";
import { createStaging, dropStaging, stageName } from "../src/restore/staging";
import { beginSwap, completeSwap, fillSwap, rollbackSwap, swapInProgress } from "../src/restore/swap";
import { addProgress, type SwapProgress } from "../src/restore/swap-calls";
import { type VerifyPosition, verifySlice, verifyTargetShape } from "../src/restore/verify-against-manifest";
import { restoreNotes } from "../src/workflow-kit/restore-log";
import { cleanUpSwapSteps, swapSteps } from "../src/workflow-kit/swap-steps";
import { resumeCapture } from "../src/capture/resume";
import { fullBackupAfterBreak } from "../src/capture/after-break";
import { ident } from "../src/db/sql";
import { replayedSequences, replaySegments } from "../src/restore/replay";
import { CATALOG_STEP, DATA_STEP, finalOnPermanent, parseError, parsePayload } from "../src/workflow-kit/step-policy";
import { DatabaseRestoreParams } from "../schemas/workflows";
import { checkStepBudget, databaseRestoreSteps, LOAD_STEP_CHUNKS, VERIFY_STEP_BYTES } from "../src/workflow-kit/step-budget";
import { replaySegmentCount } from "../src/restore/replay";
import { checkRestoreFits, restoredBytes } from "../src/restore/size-limit";

/** One restore's fixed facts, passed to every stage. */
interface Run {
  p: DatabaseRestoreParams;
  id: string;
  scope: RestoreScope;
  note: ReturnType<typeof restoreNotes>;
}
type Plan = {
  replica_reads: string[];
  scoped: ScopedTable[];
  tables: { index: number; name: string; rows: number; raw_bytes?: number; chunks: number }[];
  rows: number;
};

/**
 * Restores a database backup into a D1 binding without ever leaving it half-restored:
 * load every chunk into staging tables, prove the staging copy equals the manifest (every chunk re-derived and
 * compared), swap it in with bounded D1 calls (src/restore/swap.ts), then check the target's schema objects and row
 * counts. On failure before the swap completes, the swap is rolled back (the target's own tables rebuilt from the
 * copies set aside), the staging tables are dropped and the target is exactly as it was.
 */
export class DatabaseRestoreWorkflow extends WorkflowEntrypoint<Env, DatabaseRestoreParams> {
  override async run(event: WorkflowEvent<DatabaseRestoreParams>, step: WorkflowStep) {
    const p = await parsePayload(event.payload, {
      schema: DatabaseRestoreParams,
      workflow: "DatabaseRestoreWorkflow",
      instanceId: event.instanceId,
      step,
      env: this.env,
    });
    const r: Run = { p, id: p.restore_id, scope: p.scope ?? { kind: "full" }, note: restoreNotes(step, this.env, p.restore_id) };
    try {
      const plan = await this.readPlan(step, r); // what is restored: every table, or a scope's rows
      await this.load(step, r, plan); // every chunk into staging tables, bounded steps
      await this.verify(
        step,
        "verify staging",
        p,
        plan.scoped.map((s) => s.index),
        (t, i) => stagingScanSpec(t, stageName(r.id, i)),
      );
      await r.note("staging matches the manifest: every table's rows and checksums");
      const replayed = p.replay ? await this.replayStage(step, r, plan) : { sequences: {}, expectedRows: undefined }; // the change log on top
      const swappedAt = await this.swap(step, r, plan, replayed.sequences); // bounded calls, journaled in the target
      await this.checkTarget(step, r, plan, replayed.expectedRows); // schema objects and row counts, or the scope's rows
      await this.finish(step, r, plan, swappedAt); // capture resumed, completion recorded, replaced tables dropped
      return { restore_id: r.id, backup_id: p.backup_id, rows: plan.rows, tables: plan.tables.length };
    } catch (e) {
      const err = parseError(e);
      const undone = await this.rollBack(step, r);
      if (undone) await step.do("discard staging", CATALOG_STEP, () => dropStaging(this.target(r), r.id));
      await r.note(
        undone
          ? `restore failed, target left as it was: [${err.code}] ${err.message}`
          : `restore failed and its swap could not be rolled back: [${err.code}] ${err.message}`,
        "error",
      );
      await step.do("record failure", CATALOG_STEP, () =>
        finishRestore(this.env.CATALOG_DB, r.id, { status: "failed", error_code: err.code, error: err.message }),
      );
      throw e;
    }
  }

  private target(r: Run): D1Database {
    return this.env[r.p.target_binding];
  }

  /** The tables in scope with their rows and chunks, checked against the live target. */
  private async readPlan(step: WorkflowStep, r: Run): Promise<Plan> {
    const { p, id, scope } = r;
    const plan = await step.do("read manifest", DATA_STEP, () =>
      finalOnPermanent(async () => {
        await markRestoreStage(this.env.CATALOG_DB, id, "read manifest", null);
        const { repo, manifest } = await openDatabaseManifest(this.env, p.backup_id);
        const scoped = await resolveScope(this.target(r), manifest, scope);
        // A plan the platform would stop halfway is refused here, before staging touches the target.
        const steps = databaseRestoreSteps({
          chunks: scoped.reduce((n, s) => n + manifest.tables[s.index]!.chunks.length, 0),
          raw_bytes: scoped.reduce((n, s) => n + manifest.tables[s.index]!.raw_bytes, 0),
          tables: scoped.length,
          segments: p.replay ? await replaySegmentCount(this.env, p.replay) : 0,
        });
        checkStepBudget(this.env, `restore ${id}`, steps);
        // And the target's peak under D1's cap, checked again now that the restore is about to stage.
        await checkRestoreFits(this.env, p.target_binding, restoredBytes(manifest, scope));
        return {
          replica_reads: repo.replicaReads(),
          scoped,
          tables: scoped.map((s) => ({
            index: s.index,
            name: s.name,
            rows: manifest.tables[s.index]!.rows,
            raw_bytes: manifest.tables[s.index]!.raw_bytes,
            chunks: manifest.tables[s.index]!.chunks.length,
          })),
          rows: scoped.reduce((n, s) => n + manifest.tables[s.index]!.rows, 0),
        };
      }),
    );
    await r.note(
      scope.kind === "full"
        ? `restoring backup ${p.backup_id} (${plan.tables.length} tables, ${plan.rows} rows) into ${p.target_binding}`
        : `restoring ${describeScope(scope)} from backup ${p.backup_id} into ${p.target_binding}: ${plan.tables.map((t) => t.name).join(", ")}`,
    );
    return plan;
  }

  /** Staging tables, then bounded load steps over (table, chunk). Reads the primary could not serve came from the replica: counted. */
  private async load(step: WorkflowStep, r: Run, plan: Plan): Promise<void> {
    const { p, id } = r;
    await step.do("prepare staging", DATA_STEP, () =>
      finalOnPermanent(async () => {
        const { manifest } = await openDatabaseManifest(this.env, p.backup_id);
        await createStaging(
          this.target(r),
          id,
          manifest.schema.tables,
          plan.scoped.map((s) => s.index),
        );
        await markRestoreStage(this.env.CATALOG_DB, id, "prepare staging", null);
      }),
    );
    const fromReplica = [...plan.replica_reads];
    const steps = loadSteps(plan.tables, LOAD_STEP_CHUNKS);
    const total = steps.reduce((n, b) => n + b.length, 0);
    let done = 0;
    for (const [k, batch] of steps.entries()) {
      const before = done;
      done += batch.length;
      const loaded = await step.do(`load ${k + 1}`, DATA_STEP, () =>
        finalOnPermanent(async () => {
          const { repo, manifest } = await openDatabaseManifest(this.env, p.backup_id);
          await loadChunks(
            this.target(r),
            repo,
            batch.map(([ti, ci]) => ({ stage: stageName(id, ti), table: manifest.tables[ti]!, chunkIndex: ci })),
          );
          await markRestoreStage(this.env.CATALOG_DB, id, "load", {
            chunks_loaded: before + batch.length,
            chunks_total: total,
            rows_total: plan.rows,
          });
          return { replica_reads: repo.replicaReads().slice(0, 20), replica_count: repo.replicaReads().length };
        }),
      );
      fromReplica.push(...loaded.replica_reads);
      if (loaded.replica_count > loaded.replica_reads.length)
        fromReplica.push(...Array(loaded.replica_count - loaded.replica_reads.length).fill(""));
    }
    await r.note(`loaded ${total} chunks into staging in ${steps.length} step(s)`);
    if (fromReplica.length)
      await r.note(
        `read ${fromReplica.length} object(s) from the replica (BACKUP_REPLICA_BUCKET) because the primary could not serve them; first: ${fromReplica[0]}`,
        "warn",
      );
  }

  /** The change log on top of staging; then each staged table's rows, which the target must have after the swap. */
  private async replayStage(
    step: WorkflowStep,
    r: Run,
    plan: Plan,
  ): Promise<{ sequences: Record<string, number>; expectedRows: number[] }> {
    const { p, id } = r;
    const replayed = await this.replay(
      step,
      p,
      plan.scoped.map((s) => s.index),
    );
    await r.note(
      `applied ${replayed.applied} change(s) from ${replayed.segments} segment(s) of the change log in ${replayed.steps} step(s) (through sequence ${replayed.through})${p.replay!.until_ms !== undefined ? ` up to ${new Date(p.replay!.until_ms).toISOString()}` : ""}`,
    );
    const expectedRows = await step.do("count replayed rows", DATA_STEP, () =>
      finalOnPermanent(async () => {
        const { manifest } = await openDatabaseManifest(this.env, p.backup_id);
        const staged = new Set(plan.scoped.map((s) => s.index));
        const target = this.target(r);
        const counts = await target.batch(
          manifest.tables.map((_t, i) =>
            target.prepare(staged.has(i) ? `SELECT count(*) AS n FROM ${ident(stageName(id, i))}` : "SELECT -1 AS n"),
          ),
        );
        return counts.map((c) => (c.results[0] as { n: number }).n);
      }),
    );
    return { sequences: replayed.max_inserted, expectedRows };
  }

  /**
   * Staging into the target. The whole database: begin, fill and complete (src/restore/swap.ts), every D1 call
   * bounded and journaled in the target. A scope: its rows in one transaction (upserts by primary key).
   */
  private async swap(step: WorkflowStep, r: Run, plan: Plan, sequencesAfterReplay: Record<string, number>): Promise<number> {
    const { p, id, scope } = r;
    if (scope.kind !== "full") {
      const at = await step.do("swap", DATA_STEP, () =>
        finalOnPermanent(async () => {
          const began = Date.now();
          const target = this.target(r);
          const { manifest } = await openDatabaseManifest(this.env, p.backup_id);
          // A scoped swap keeps staging until it is checked; running it twice gives the same rows.
          await target.batch(prepareAll(target, await planScopedSwap(target, id, manifest, plan.scoped)));
          await markRestoreStage(this.env.CATALOG_DB, id, "swap", null);
          return began;
        }),
      );
      await r.note("put the scoped rows back (one transaction, upserts by primary key)");
      return at;
    }
    const begun = await step.do("swap: begin", DATA_STEP, () =>
      finalOnPermanent(async () => {
        const began = Date.now();
        const { manifest } = await openDatabaseManifest(this.env, p.backup_id);
        const schema = { ...manifest.schema, sequences: replayedSequences(manifest.schema, sequencesAfterReplay) };
        // From here the target changes: a failure rolls it back (the production restore reads this stage).
        await markRestoreStage(this.env.CATALOG_DB, id, "swap", null);
        return { began, ...(await beginSwap(this.target(r), id, schema)) };
      }),
    );
    const total: SwapProgress = { ...begun, done: false };
    addProgress(total, (await swapSteps(step, "swap: fill", (maxCalls) => fillSwap(this.target(r), id, { maxCalls }))).total);
    const completed = await step.do("swap: complete", DATA_STEP, () => finalOnPermanent(() => completeSwap(this.target(r), id)));
    addProgress(total, completed);
    await r.note(
      `swapped the restored tables in: ${total.calls} D1 calls, the longest ${total.longest_ms} ms (${total.longest})${
        completed.whole?.length ? `; copied in one call each because of a cycle of foreign keys: ${completed.whole.join(", ")}` : ""
      }`,
    );
    return begun.began;
  }

  /**
   * After a failure: a swap begun and not completed is rolled back, in bounded steps, and what it set aside dropped.
   * Returns false when the rollback itself failed (the journal stays in the target for another attempt).
   */
  private async rollBack(step: WorkflowStep, r: Run): Promise<boolean> {
    try {
      const begun = await step.do("swap begun?", DATA_STEP, () => swapInProgress(this.target(r), r.id));
      if (!begun) return true;
      const { total } = await swapSteps(step, "roll back swap", (maxCalls) => rollbackSwap(this.target(r), r.id, { maxCalls }));
      await step.do("record rollback", CATALOG_STEP, () => markRestoreStage(this.env.CATALOG_DB, r.id, "rolled back", null));
      await r.note(
        `rolled the swap back: the target's own tables rebuilt from the copies set aside (${total.calls} D1 calls, the longest ${total.longest_ms} ms)`,
        "warn",
      );
      await cleanUpSwapSteps(step, "drop what the rollback set aside", this.target(r), r.id);
      return true;
    } catch (e) {
      const err = parseError(e);
      await r.note(
        `ROLLBACK FAILED: [${err.code}] ${err.message}. The swap's journal (_vaultline_swap_${r.id}) and the tables set aside are still in ${r.p.target_binding}; a retry of the rollback resumes from there.`,
        "error",
      );
      return false;
    }
  }

  /** The target after the swap: every schema object and row count (whole database), or the scope's rows value for value. */
  private async checkTarget(step: WorkflowStep, r: Run, plan: Plan, expectedRows: number[] | undefined): Promise<void> {
    const { p, id, scope } = r;
    await step.do("verify target", DATA_STEP, () =>
      finalOnPermanent(async () => {
        const { manifest } = await openDatabaseManifest(this.env, p.backup_id);
        if (scope.kind === "full") await verifyTargetShape(this.target(r), manifest, expectedRows);
        else {
          await verifyScoped(this.target(r), id, manifest, plan.scoped);
          await dropStaging(this.target(r), id);
        }
        await markRestoreStage(this.env.CATALOG_DB, id, "verify target", null);
      }),
    );
    await r.note(
      scope.kind === "full"
        ? "target matches the manifest: every schema object and every table's row count"
        : "the scoped rows in the target equal the backup's, value for value",
    );
  }

  /** Change capture back on the restored tables (whole database), completion recorded, replaced tables dropped. */
  private async finish(step: WorkflowStep, r: Run, plan: Plan, swappedAt: number): Promise<void> {
    const { p, id, scope } = r;
    if (scope.kind === "full") {
      const resumed = await step.do("resume change capture", DATA_STEP, async () => {
        const { manifest } = await openDatabaseManifest(this.env, p.backup_id);
        return resumeCapture(this.target(r), this.env.CATALOG_DB, p.target_binding, swappedAt, id, manifest.schema.excluded);
      });
      if (resumed) {
        const started = await step.do("full backup after the break", CATALOG_STEP, () =>
          fullBackupAfterBreak(this.env, `restore ${id} replaced the database`),
        );
        await r.note(
          `change capture reinstalled on the restored tables; point-in-time coverage starts again with a new full backup${started ? ` (${started}, started now)` : ""}`,
        );
      }
    }
    await step.do("record completion", CATALOG_STEP, () =>
      finishRestore(this.env.CATALOG_DB, id, { status: "completed", rows: plan.rows }),
    );
    if (scope.kind === "full") {
      // The target is restored and verified; the tables it replaced are dropped now, off the critical path.
      const dropped = await cleanUpSwapSteps(step, "drop replaced tables", this.target(r), id);
      if (dropped.replaced)
        await r.note(
          `dropped the ${dropped.replaced} table(s) the restore replaced, and staging: ${dropped.calls} D1 calls, the longest ${dropped.longest_ms} ms`,
        );
    }
  }

  /** Applies the change-log segments of the plan to staging, one segment per step, in sequence order. */
  private async replay(
    step: WorkflowStep,
    p: DatabaseRestoreParams,
    staged: number[],
  ): Promise<{ applied: number; through: number; max_inserted: Record<string, number>; segments: number; steps: number }> {
    const plan = p.replay!;
    let cursor = plan.after_seq;
    let applied = 0;
    const max: Record<string, number> = {};
    let segments = 0;
    for (let n = 1; ; n++) {
      const from = cursor;
      const before = segments;
      // Several segments a step (src/restore/replay.ts): a retried step applies them again from `from`.
      const r = await step.do(`replay ${n}`, DATA_STEP, () => finalOnPermanent(() => replaySegments(this.env, p, staged, from, before)));
      cursor = r.last;
      applied += r.applied;
      segments += r.segments;
      for (const [k, v] of Object.entries(r.max_inserted)) max[k] = Math.max(max[k] ?? 0, v);
      if (r.done) return { applied, through: cursor, max_inserted: max, segments, steps: n };
    }
  }

  private async verify(
    step: WorkflowStep,
    name: string,
    p: DatabaseRestoreParams,
    indexes: number[],
    specFor: (t: TableInfo, index: number) => ScanSpec,
  ): Promise<void> {
    let pos: VerifyPosition | null = { table: 0, after: null, chunk: 0, rows: 0 };
    for (let n = 1; pos; n++) {
      const from: VerifyPosition = pos;
      pos = await step.do(`${name} ${n}`, DATA_STEP, () =>
        finalOnPermanent(async () => {
          const { repo, manifest } = await openDatabaseManifest(this.env, p.backup_id);
          const specs = indexes.map((i) => specFor(manifest.schema.tables[i]!, i));
          const tables = indexes.map((i) => manifest.tables[i]!);
          const next = await verifySlice(
            this.env[p.target_binding],
            specs,
            tables,
            manifest.chunker ?? repo.config.chunker,
            from,
            VERIFY_STEP_BYTES,
          );
          await markRestoreStage(this.env.CATALOG_DB, p.restore_id, name, {
            tables_verified: next ? next.table : tables.length,
            tables_total: tables.length,
          });
          return next;
        }),
      );
    }
  }
}

function describeScope(scope: RestoreScope): string {
  return scope.kind === "tables"
    ? `table(s) ${scope.tables.join(", ")}`
    : scope.kind === "user"
      ? `user ${JSON.stringify(scope.user_id)}'s rows (${scope.users.table}.${scope.users.key})`
      : "the database";
}
