import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import { type Component, type RestoreBody, TYPE_COMPONENTS, type BackupType } from "../schemas/api";
import type { TestCheck } from "../schemas/test-restore";
import { type ComponentRestorePlan, planComponentRestore } from "../src/restore/plan";
import { openAssetManifest } from "../src/repo/open";
import { getBackup } from "../src/catalog/backups";
import { getRestore } from "../src/catalog/restores";
import { finishTestRestore, recordTestComponents } from "../src/catalog/test-restores";
import { SESSION_RESTORE_PREFIX, type Env } from "../src/env";
import { NotFoundError } from "../src/errors";
import { openDatabaseManifest } from "../src/repo/open";
import { providerProfile } from "../src/provider/profile";
import { startComponentRestore } from "../src/restore/start";
import { openSessionManifest } from "../src/repo/open";
import { assetChecks, databaseChecks, sessionChecks, timed } from "../src/test-restore/checks";
import { clearSandboxBucket, clearSandboxDatabase, discardSandboxSessions, sandboxResidue } from "../src/test-restore/sandbox";
import { CATALOG_STEP, DATA_STEP, finalOnPermanent, parseError, parsePayload } from "../src/workflow-kit/step-policy";
import { pollMs } from "../src/restore/settings";
import { waitForChildren } from "../src/workflow-kit/child-waits";
import { TestRestoreParams } from "../schemas/workflows";

interface Started {
  component: Component;
  restore_id: string;
  backup_id: string;
}

/**
 * A non-destructive test restore (a drill): every component the backup holds is restored into the sandbox only
 * (RESTORE_TARGET_DB, RESTORE_TARGET_BUCKET, `sandbox:` session objects), each by its own restore instance, which
 * proves every chunk against the manifest as it goes. Then the restored copy is checked (schema, referential
 * integrity, the provider profile's references and probes), the time to here is recorded as the drill's RTO,
 * and the sandbox is emptied, also after a failure. The report is kept in the catalog.
 */
export class TestRestoreWorkflow extends WorkflowEntrypoint<Env, TestRestoreParams> {
  override async run(event: WorkflowEvent<TestRestoreParams>, step: WorkflowStep) {
    const payload = await parsePayload(event.payload, {
      schema: TestRestoreParams,
      workflow: "TestRestoreWorkflow",
      instanceId: event.instanceId,
      step,
      env: this.env,
    });
    const p = payload;
    const id = p.test_id;
    const began = await step.do("begin", CATALOG_STEP, async () => Date.now());
    const checks: TestCheck[] = [];
    let started: Started[] = [];
    let error: string | null = null;
    let rto: number | null = null;

    try {
      started = await step.do("start restores", CATALOG_STEP, () =>
        finalOnPermanent(async () => {
          const requested = await getBackup(this.env.CATALOG_DB, p.backup_id);
          if (!requested) throw new NotFoundError(`backup ${p.backup_id} not found`);
          const holds = (TYPE_COMPONENTS[requested.type as BackupType] ?? []).filter((c) => c !== "config");
          const body = { backup_id: p.backup_id, components: holds, target_environment: "test" } as RestoreBody;
          const plans: ComponentRestorePlan[] = [];
          for (const component of holds) plans.push(await planComponentRestore(this.env, requested, body, component));
          const out: Started[] = [];
          for (const plan of plans) {
            const rid = `rs_${id.slice(3)}_${plan.component}`;
            await startComponentRestore(this.env, plan, { id: rid, target_environment: "test", requested_by: p.requested_by });
            out.push({ component: plan.component, restore_id: rid, backup_id: plan.backup.id });
          }
          await recordTestComponents(this.env.CATALOG_DB, id, out);
          return out;
        }),
      );

      // Short looks (RESTORE_POLL_MS, at most 2 s to begin with), because the drill measures its own recovery time.
      const states = await waitForChildren(step, "restores", () => this.restoresDone(started), {
        baseMs: Math.min(2000, pollMs(this.env)),
      });
      for (const s of states) {
        checks.push({
          component: s.component as TestCheck["component"],
          name: "restore completed, every chunk checked against the manifest",
          passed: s.status === "completed",
          detail:
            s.status === "completed"
              ? `${s.restore_id}: ${s.rows} rows or entries restored and verified`
              : `${s.restore_id} ${s.status}: ${s.error ?? ""}`,
          ms: 0,
        });
      }

      for (const s of started) {
        if (!checks.some((c) => c.component === s.component && c.passed)) continue;
        checks.push(...(await step.do(`check ${s.component}`, DATA_STEP, () => this.checkComponent(s))));
      }
      rto = await step.do("measure", CATALOG_STEP, async () => Date.now() - began);
    } catch (e) {
      error = parseError(e).message;
    }

    // Always: the sandbox is emptied, whatever happened above.
    const cleanupBegan = await step.do("cleanup begins", CATALOG_STEP, async () => Date.now());
    await step.do("clean sandbox database", DATA_STEP, () => clearSandboxDatabase(this.env.RESTORE_TARGET_DB));
    await step.do("clean sandbox bucket", DATA_STEP, () => clearSandboxBucket(this.env.RESTORE_TARGET_BUCKET));
    const sessions = started.find((s) => s.component === "sessions");
    if (sessions) {
      const segments = await step.do(
        "list sandbox sessions",
        CATALOG_STEP,
        async () => (await openSessionManifest(this.env, sessions.backup_id)).manifest.segments.length,
      );
      for (let i = 0; i < segments; i++) {
        await step.do(`discard sandbox sessions ${i + 1}`, DATA_STEP, async () => {
          const { repo, manifest } = await openSessionManifest(this.env, sessions.backup_id);
          return discardSandboxSessions(this.env, repo, manifest, i, SESSION_RESTORE_PREFIX.test);
        });
      }
    }
    const clean = await step.do("check sandbox is clean", CATALOG_STEP, () =>
      timed("sandbox", "sandbox left empty", async () => {
        const left = await sandboxResidue(this.env);
        return {
          passed: left.tables === 0 && left.objects === 0,
          detail: `${left.tables} schema objects in RESTORE_TARGET_DB, ${left.objects ? "objects" : "no objects"} in RESTORE_TARGET_BUCKET`,
        };
      }),
    );
    checks.push(clean);
    const cleanupMs = await step.do("cleanup ends", CATALOG_STEP, async () => Date.now() - cleanupBegan);

    const passed = error === null && checks.every((c) => c.passed);
    await step.do("record report", CATALOG_STEP, () =>
      finishTestRestore(this.env.CATALOG_DB, id, {
        status: passed ? "passed" : "failed",
        rto_ms: rto,
        cleanup_ms: cleanupMs,
        checks,
        error,
      }),
    );
    return { test_id: id, status: passed ? "passed" : "failed", rto_ms: rto, checks: checks.length };
  }

  /** Every component restore's outcome once none is still running, else null. */
  private async restoresDone(started: Started[]) {
    const states = await Promise.all(
      started.map(async (s) => {
        const r = await getRestore(this.env.CATALOG_DB, s.restore_id);
        return { ...s, status: r?.status ?? "missing", rows: r?.rows ?? 0, error: r?.error ? `[${r.error_code}] ${r.error}` : null };
      }),
    );
    return states.some((s) => ["initiated", "running", "awaiting_approval"].includes(s.status)) ? null : states;
  }

  private async checkComponent(s: Started): Promise<TestCheck[]> {
    if (s.component === "database") {
      const { manifest } = await openDatabaseManifest(this.env, s.backup_id);
      return databaseChecks(this.env.RESTORE_TARGET_DB, manifest, providerProfile(this.env));
    }
    if (s.component === "sessions") {
      const { repo, manifest } = await openSessionManifest(this.env, s.backup_id);
      return sessionChecks(this.env, repo, manifest, SESSION_RESTORE_PREFIX.test);
    }
    const { repo, manifest } = await openAssetManifest(this.env, s.backup_id);
    return assetChecks(this.env.RESTORE_TARGET_BUCKET, repo, manifest);
  }
}
