import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import { COMPONENT_TYPE, type Component, TYPE_COMPONENTS } from "../schemas/api";
import { rollbackPlans } from "../src/restore/plan";
import { startBackup } from "../src/backup/start";
import { getBackup } from "../src/catalog/backups";
import { childRestores, getApproval, getRestore, setRestoreState, touchRestore } from "../src/catalog/restores";
import { getTestRestore, passingTestRestore } from "../src/catalog/test-restores";
import type { Env } from "../src/env";
import { ConflictError } from "../src/errors";
import { startComponentRestore } from "../src/restore/start";
import { cleanUpSwapSteps } from "../src/workflow-kit/swap-steps";
import { startTestRestore } from "../src/test-restore/start";
import { restoreNotes } from "../src/workflow-kit/restore-log";
import { CATALOG_STEP, DATA_STEP, finalOnPermanent, parseError, parsePayload } from "../src/workflow-kit/step-policy";
import { type ApprovalEvent, ProductionRestoreParams, type RequestSelection } from "../schemas/workflows";
import { waitForChildren } from "../src/workflow-kit/child-waits";
import { checkOf, checkpoint, StageError } from "../src/restore/checkpoint";
import { approvalHours, gateDays, pollMs, rollbackHours } from "../src/restore/settings";

type Notes = ReturnType<typeof restoreNotes>;
/** What a failure needs to know to roll back: the safety snapshot (once taken) and the components changed so far. */
interface StageState {
  safety: Partial<Record<Component, string>> | null;
  touched: Component[];
}

/**
 * A production restore, in stages its status shows:
 *   1. gate: a passing test restore of the same backup within RESTORE_GATE_DAYS, or one run now;
 *   2. approval: a second person with the approver role (step.waitForEvent; cancelled when it times out or is rejected);
 *   3. safety snapshot: a verified backup of the current state of every component about to be overwritten;
 *   4. staged restore, component by component, each followed by a validation checkpoint;
 *   5. final verification;
 *   6. on any failure after 3: automatic rollback to the safety snapshot (the same scope), verified, ending `rolled_back`.
 * A rollback on request is the same with the earlier restore's safety snapshot as its backup and no gate (that
 * snapshot was verified when it was taken); the earlier restore ends `rolled_back`.
 */
export class ProductionRestoreWorkflow extends WorkflowEntrypoint<Env, ProductionRestoreParams> {
  override async run(event: WorkflowEvent<ProductionRestoreParams>, step: WorkflowStep) {
    const p = await parsePayload(event.payload, {
      schema: ProductionRestoreParams,
      workflow: "ProductionRestoreWorkflow",
      instanceId: event.instanceId,
      step,
      env: this.env,
    });
    const id = p.restore_id;
    this.restoreId = id;
    const note = restoreNotes(step, this.env, id);
    const s: StageState = { safety: null, touched: [] };
    try {
      if (!p.rollback_of) await this.gate(step, note, p); // 1. a passing test restore of the backup, recent enough (else one runs now)
      const refused = await this.approve(step, note, p); // 2. a second person's decision, or cancelled
      if (refused) return refused;
      s.safety = await this.snapshot(step, note, p); // 3. a verified safety snapshot of all it overwrites
      await this.restoreStages(step, note, p, s.touched); // 4. each component, one at a time, checked
      const done = await this.verify(step, note, p); // 5. all components in place; the rollback window opens
      if (p.rollback_of) await this.recordRollback(step, note, p); // the restore it undid ends rolled_back
      return done;
    } catch (e) {
      return this.fail(step, note, p, s, e);
    }
  }

  /** 1. A passing test restore of the backup from the last RESTORE_GATE_DAYS, or one now (once the sandbox is free). */
  private async gate(step: WorkflowStep, note: Notes, p: ProductionRestoreParams): Promise<void> {
    const id = p.restore_id;
    const found = await step.do("gate", CATALOG_STEP, () =>
      finalOnPermanent(async () => {
        await setRestoreState(this.env.CATALOG_DB, id, { status: "running", stage: "gate" });
        const since = new Date(Date.now() - gateDays(this.env) * 86_400_000).toISOString();
        return (await passingTestRestore(this.env.CATALOG_DB, p.backup_id, since))?.id ?? null;
      }),
    );
    const gate = found
      ? { test_id: found, ran: false }
      : {
          test_id: await this.waitFor(step, "gate: start test restore", async () => {
            try {
              return await startTestRestore(this.env, { backup_id: p.backup_id, requested_by: `system:restore ${id}`, trigger: "gate" });
            } catch (e) {
              if (e instanceof ConflictError) return null;
              throw e;
            }
          }),
          ran: true,
        };
    if (gate.ran) {
      await note(`gate: no passing test restore of ${p.backup_id} in the last ${gateDays(this.env)} days; running ${gate.test_id}`);
      const result = await this.waitFor(step, "gate", async () => {
        const t = await getTestRestore(this.env.CATALOG_DB, gate.test_id);
        return t && t.status !== "running"
          ? {
              status: t.status,
              failed: (JSON.parse(t.checks ?? "[]") as { passed: boolean; name: string; detail: string }[]).find((c) => !c.passed) ?? null,
              error: t.error,
            }
          : null;
      });
      if (result.status !== "passed") {
        throw new StageError(
          "gate_failed",
          `test restore ${gate.test_id} failed${result.failed ? `: ${result.failed.name}: ${result.failed.detail}` : result.error ? `: ${result.error}` : ""}`,
        );
      }
    }
    await step.do("gate passed", CATALOG_STEP, () =>
      setRestoreState(this.env.CATALOG_DB, id, { status: "running", gate_test_id: gate.test_id }),
    );
    await note(`gate passed: test restore ${gate.test_id}`);
  }

  /** 2. Waits for a second person's decision; answers the cancelled result when it is no (or never comes), else null. */
  private async approve(
    step: WorkflowStep,
    note: Notes,
    p: ProductionRestoreParams,
  ): Promise<{ restore_id: string; status: "cancelled" } | null> {
    const id = p.restore_id;
    const expires = await step.do("request approval", CATALOG_STEP, async () => {
      const at = new Date(Date.now() + approvalHours(this.env) * 3_600_000).toISOString();
      await setRestoreState(this.env.CATALOG_DB, id, { status: "awaiting_approval", stage: "approval", approval_expires_at: at });
      return at;
    });
    await note(`awaiting approval by a second person with the approver role, until ${expires}`);
    // A restarted instance (the watchdog restarts stuck ones) finds the decision already recorded, not a second wait.
    const recorded = await step.do("recorded decision", CATALOG_STEP, async () => {
      const a = await getApproval(this.env.CATALOG_DB, id);
      return a ? { decision: a.decision, by: a.decided_by, comment: a.comment } : null;
    });
    let decision: ApprovalEvent;
    try {
      decision =
        recorded ??
        (await step.waitForEvent<ApprovalEvent>("approval", { type: "approval", timeout: `${approvalHours(this.env)} hours` })).payload;
    } catch {
      await this.end(step, note, id, { status: "cancelled", error_code: "approval_timeout", error: `no approval before ${expires}` });
      return { restore_id: id, status: "cancelled" };
    }
    if (decision.decision !== "approve") {
      await this.end(step, note, id, {
        status: "cancelled",
        error_code: "rejected",
        error: `rejected by ${decision.by}: ${decision.comment}`,
      });
      return { restore_id: id, status: "cancelled" };
    }
    await step.do("approved", CATALOG_STEP, () =>
      setRestoreState(this.env.CATALOG_DB, id, { status: "running", stage: "safety snapshot" }),
    );
    await note(`approved by ${decision.by}: ${decision.comment}`);
    return null;
  }

  /** 3. A safety snapshot of everything about to be overwritten, verified (a backup verifies every object it wrote). */
  private async snapshot(step: WorkflowStep, note: Notes, p: ProductionRestoreParams): Promise<Partial<Record<Component, string>>> {
    const id = p.restore_id;
    const components = p.plans.map((x) => x.component);
    const snap = await step.do("safety snapshot", CATALOG_STEP, async () => {
      const out: Partial<Record<Component, string>> = {};
      for (const c of components) {
        const bid = `bk_safety_${id.slice(3)}_${c}`;
        if (!(await getBackup(this.env.CATALOG_DB, bid))) {
          await startBackup(this.env, {
            id: bid,
            type: COMPONENT_TYPE[c],
            components: TYPE_COMPONENTS[COMPONENT_TYPE[c]],
            requested_by: `system:restore ${id}`,
            trigger: "system",
            description: `safety snapshot before restore ${id}`,
          });
        }
        out[c] = bid;
      }
      return out;
    });
    await this.waitFor(step, "safety snapshot", async () => {
      const rows = await Promise.all(Object.values(snap).map((b) => getBackup(this.env.CATALOG_DB, b!)));
      const failed = rows.find((r) => r?.status === "failed");
      if (failed)
        throw new StageError("safety_snapshot_failed", `safety snapshot ${failed.id} failed: [${failed.error_code}] ${failed.error}`);
      return rows.every((r) => r?.status === "completed") ? true : null;
    });
    await step.do("safety snapshot verified", CATALOG_STEP, () =>
      setRestoreState(this.env.CATALOG_DB, id, { status: "running", safety_backups: snap as Record<string, string> }),
    );
    await note(`safety snapshot taken and verified: ${Object.values(snap).join(", ")}`);
    return snap;
  }

  /** 4. One component at a time, each checked; `touched` collects what changed, for the rollback a failure takes. */
  private async restoreStages(step: WorkflowStep, note: Notes, p: ProductionRestoreParams, touched: Component[]): Promise<void> {
    const id = p.restore_id;
    for (const plan of p.plans) {
      const cid = `rs_${id.slice(3)}_${plan.component}`;
      await step.do(`restore ${plan.component}`, CATALOG_STEP, async () => {
        await setRestoreState(this.env.CATALOG_DB, id, { status: "running", stage: `restore ${plan.component}` });
        await startComponentRestore(this.env, plan, {
          id: cid,
          target_environment: "production",
          requested_by: p.requested_by,
          target_timestamp: p.target_timestamp,
          parent_id: id,
        });
      });
      try {
        await this.waitForRestore(step, `restore ${plan.component}`, cid);
      } catch (e) {
        // A database restore that failed before its swap, or whose swap it rolled back itself, left the target as it
        // was: nothing to roll back. After the swap completed (its target check failed), or when its own rollback
        // failed, it did change it. Asset and session restores write object by object, so a failed one may have
        // written some.
        const changed = await step.do(`restore ${plan.component}: target changed?`, CATALOG_STEP, async () => {
          if (plan.component !== "database") return true;
          const child = await getRestore(this.env.CATALOG_DB, cid);
          return ["swap", "verify target", "done"].includes(child?.stage ?? "");
        });
        if (changed) touched.push(plan.component);
        throw e;
      }
      touched.push(plan.component);
      await step.do(`checkpoint ${plan.component}`, DATA_STEP, () => finalOnPermanent(() => checkpoint(this.env, checkOf(plan))));
      await note(`stage ${plan.component}: restored (${cid}) and checked`);
    }
  }

  /** 5. Every component checked again, all in place; the restore is recorded with its rollback window. */
  private async verify(step: WorkflowStep, note: Notes, p: ProductionRestoreParams) {
    const id = p.restore_id;
    await step.do("final verification", DATA_STEP, () =>
      finalOnPermanent(async () => {
        await setRestoreState(this.env.CATALOG_DB, id, { status: "running", stage: "final verification" });
        for (const plan of p.plans) await checkpoint(this.env, checkOf(plan));
      }),
    );
    const until = await step.do("record completion", CATALOG_STEP, async () => {
      const at = new Date(Date.now() + rollbackHours(this.env) * 3_600_000).toISOString();
      // Rows (or objects, entries) the component restores put back, summed.
      const rows = (await childRestores(this.env.CATALOG_DB, id)).reduce((n, r) => n + (r.rows ?? 0), 0);
      await setRestoreState(this.env.CATALOG_DB, id, { status: "completed", stage: "done", rollback_until: at, rows });
      return at;
    });
    await note(`restore completed and verified; it can be rolled back to the safety snapshot until ${until}`);
    return { restore_id: id, status: "completed" as const };
  }

  /** A stage failed: what it changed goes back to the safety snapshot (when there is one), and the outcome is recorded. */
  private async fail(step: WorkflowStep, note: Notes, p: ProductionRestoreParams, s: StageState, e: unknown) {
    const id = p.restore_id;
    const err = parseError(e);
    if (s.safety && s.touched.length) {
      await note(`stage failed: [${err.code}] ${err.message}; rolling back to the safety snapshot`, "error");
      const rolled = await this.rollback(step, note, id, s.touched, s.safety, p.requested_by, p.selection ?? {});
      await this.end(
        step,
        note,
        id,
        rolled
          ? { status: "rolled_back", error_code: err.code, error: err.message }
          : { status: "failed", error_code: "rollback_failed", error: `${err.message}; the rollback failed too: see the log` },
      );
    } else {
      await this.end(step, note, id, { status: "failed", error_code: err.code, error: err.message });
    }
    return { restore_id: id, status: "failed" as const };
  }

  /** A rollback on request completed: the restore it undid ends `rolled_back`. */
  private async recordRollback(step: WorkflowStep, note: Notes, p: ProductionRestoreParams): Promise<void> {
    const original = p.rollback_of!.restore_id;
    await step.do("record rollback", CATALOG_STEP, () =>
      setRestoreState(this.env.CATALOG_DB, original, {
        status: "rolled_back",
        stage: "rolled back on request",
        error_code: "rolled_back_on_request",
        error: `rolled back by ${p.requested_by} (${p.restore_id})`,
      }),
    );
    await note(`restore ${original} rolled back: what it restored is as it was before it`);
  }

  /** Restores each touched component from its safety snapshot (last stage first) and checks it. True when all did. */
  private async rollback(
    step: WorkflowStep,
    note: Notes,
    id: string,
    touched: Component[],
    safety: Partial<Record<Component, string>>,
    requestedBy: string,
    selection: RequestSelection,
  ): Promise<boolean> {
    try {
      for (const c of [...touched].reverse()) {
        const rid = `rs_${id.slice(3)}_rollback_${c}`;
        const plan = await step.do(`rollback ${c}`, CATALOG_STEP, async () => {
          await setRestoreState(this.env.CATALOG_DB, id, { status: "running", stage: `rollback ${c}` });
          // The scope the restore had: a one-user restore is undone for that user only.
          const [pl] = await rollbackPlans(this.env, safety, [c], selection);
          if (!pl) throw new StageError("rollback_failed", `no safety snapshot of ${c}`);
          await startComponentRestore(this.env, pl, {
            id: rid,
            target_environment: "production",
            requested_by: requestedBy,
            parent_id: id,
          });
          return checkOf(pl);
        });
        await this.waitForRestore(step, `rollback ${c}`, rid);
        await step.do(`rollback checkpoint ${c}`, DATA_STEP, () => finalOnPermanent(() => checkpoint(this.env, plan)));
        if (c === "database") {
          // A database stage that failed after its swap kept the tables it replaced (renamed aside): the safety
          // snapshot is back now, so they go.
          await cleanUpSwapSteps(step, "drop tables the failed stage set aside", this.env.OIDC_DB, `rs_${id.slice(3)}_database`, {
            abandon: true,
          });
        }
        await note(`rolled back ${c} from safety snapshot ${safety[c]} (${rid}) and checked it`);
      }
      return true;
    } catch (e) {
      const err = parseError(e);
      await note(
        `ROLLBACK FAILED: [${err.code}] ${err.message}. Restore the safety snapshot(s) ${Object.values(safety).join(", ")} by hand.`,
        "error",
      );
      return false;
    }
  }

  /** A component in place: its restore completed (which verified it); for the database also schema and foreign keys. */

  private async waitForRestore(step: WorkflowStep, name: string, rid: string): Promise<void> {
    await this.waitFor(step, name, async () => {
      const r = await getRestore(this.env.CATALOG_DB, rid);
      if (!r || ["initiated", "running"].includes(r.status)) return null;
      if (r.status !== "completed") throw new StageError(r.error_code ?? "restore_failed", `${rid} ${r.status}: ${r.error ?? ""}`);
      return true;
    });
  }

  /** Waits on child instances (src/workflow-kit/child-waits.ts), each look a heartbeat for the watchdog. */
  private waitFor<T extends Rpc.Serializable<T>>(step: WorkflowStep, name: string, look: () => Promise<T | null>): Promise<T> {
    const id = this.restoreId;
    return waitForChildren(step, name, look, { baseMs: pollMs(this.env), heartbeat: () => touchRestore(this.env.CATALOG_DB, id) });
  }

  private restoreId = "";

  private async end(
    step: WorkflowStep,
    note: Notes,
    id: string,
    s: { status: "failed" | "cancelled" | "rolled_back"; error_code: string; error: string },
  ) {
    await note(`restore ${s.status}: [${s.error_code}] ${s.error}`, s.status === "cancelled" ? "warn" : "error");
    await step.do(`end ${s.status}`, CATALOG_STEP, () =>
      setRestoreState(this.env.CATALOG_DB, id, { status: s.status, stage: s.status, error_code: s.error_code, error: s.error }),
    );
  }
}
