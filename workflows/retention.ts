import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import type { Env } from "../src/env";
import { openRepository } from "../src/repo/open";
import { loadBackupFacts } from "../src/catalog/retention-facts";
import { forgetBackups } from "../src/retention/forget";
import { fossilizePage, pendingCollection, sweepFossilsPage } from "../src/retention/fossils";
import { listHolds } from "../src/catalog/legal-holds";
import { markFeedPage, markPage } from "../src/retention/marks";
import { clearMarks, finishFossilCollection, recordFossilCollection } from "../src/catalog/retention";
import { currentPolicy } from "../src/retention/policies";
import { evaluatePolicy } from "../src/retention/policy";
import { finishRun, type RetentionReport, startRun } from "../src/retention/runs";
import { recordStorageSample } from "../src/retention/storage";
import { tierPage } from "../src/retention/tiers";
import { pruneFeedSegments, pruneSegments } from "../src/retention/segments";
import { Layout } from "../src/repo/layout";
import { CATALOG_STEP, DATA_STEP, finalOnPermanent, pagedSteps, parseError, parsePayload } from "../src/workflow-kit/step-policy";
import { RetentionParams } from "../schemas/workflows";
import { FEEDS } from "../schemas/feed";
import { backupsBeingForgotten } from "../src/catalog/backups";

const FORGET_PER_STEP = 25;
/** Backups one run forgets at most: the plan step's result stays small, and the next run continues. */
const MAX_FORGET_PER_RUN = 2000;

/**
 * Applies the retention policy (docs/RETENTION.md): plan → forget (metadata first) → prune in two phases. Phase two
 * of the previous run's fossil collection runs once every backup that was running during it has ended: a fresh mark
 * of every manifest, then fossils still unreferenced are deleted and referenced ones go back. Phase one marks (the
 * same marks), then moves unreferenced chunks to fossils/. Every step is bounded and safe to repeat, so a crash at
 * any point leaves a repository whose every backup still restores (POST /admin/repository/check proves it).
 */
export class RetentionWorkflow extends WorkflowEntrypoint<Env, RetentionParams> {
  override async run(event: WorkflowEvent<RetentionParams>, step: WorkflowStep) {
    const payload = await parsePayload(event.payload, {
      schema: RetentionParams,
      workflow: "RetentionWorkflow",
      instanceId: event.instanceId,
      step,
      env: this.env,
    });
    const { run_id: id } = payload;
    try {
      const plan = await step.do("plan", CATALOG_STEP, async () => {
        const { version, policy } = await currentPolicy(this.env);
        await startRun(this.env.CATALOG_DB, { id, trigger: payload.trigger, requested_by: payload.requested_by, policy_version: version });
        const decisions = evaluatePolicy(
          await loadBackupFacts(this.env.CATALOG_DB),
          policy,
          await listHolds(this.env.CATALOG_DB, { active: true }),
          Date.now(),
        );
        const interrupted = await backupsBeingForgotten(this.env.CATALOG_DB, 100);
        const forget = [...interrupted, ...decisions.filter((d) => !d.keep).map((d) => d.id)].slice(0, MAX_FORGET_PER_RUN);
        const reasons = Object.fromEntries(decisions.filter((d) => !d.keep).map((d) => [d.id, d.reasons[0]!]));
        return { policy_version: version, started_at: new Date().toISOString(), forget, reasons };
      });
      const report: RetentionReport = {
        policy_version: plan.policy_version,
        planned: plan.forget.length,
        forgotten: [],
        spared: [],
        phase_two: null,
        phase_one: null,
        marked: { manifests: 0, refs: 0 },
      };

      for (let i = 0; i < plan.forget.length; i += FORGET_PER_STEP) {
        const r = await step.do(`forget ${i / FORGET_PER_STEP + 1}`, CATALOG_STEP, async () => {
          const { policy } = await currentPolicy(this.env);
          return forgetBackups(this.env, id, plan.forget.slice(i, i + FORGET_PER_STEP), policy, plan.reasons);
        });
        report.forgotten.push(...r.forgotten);
        report.spared.push(...r.spared);
      }

      // The change log before the oldest kept base serves no restore any more.
      report.change_log = await step.do("prune change log", DATA_STEP, () =>
        finalOnPermanent(async () => pruneSegments(this.env, (await currentPolicy(this.env)).policy.min_retention_days)),
      );
      report.feeds = {};
      for (const feed of FEEDS)
        report.feeds[feed] = await step.do(`prune ${feed} feed`, DATA_STEP, () =>
          finalOnPermanent(async () => pruneFeedSegments(this.env, feed, (await currentPolicy(this.env)).policy.min_retention_days)),
        );

      const pending = await step.do("phase two: ready?", CATALOG_STEP, () => pendingCollection(this.env.CATALOG_DB));
      if (pending && pending.waiting_for.length > 0) {
        // Fossils of the last collection may still be needed by a backup that was running then: wait for it.
        report.phase_two = { collection: pending.id, waiting_for: pending.waiting_for };
      } else {
        const markedAt = await step.do("mark: start", CATALOG_STEP, async () => new Date().toISOString());
        await pagedSteps(
          step,
          "mark",
          DATA_STEP,
          async (c) =>
            markPage(this.env, await openRepository(this.env), id, c, (await currentPolicy(this.env)).policy.infrequent_access_after_days),
          (page) => {
            report.marked.manifests += page.manifests;
            report.marked.refs += page.refs;
          },
        );
        // The parts the asset change feed's segments name: a restore to an instant may need them.
        await pagedSteps(
          step,
          "mark asset feed",
          DATA_STEP,
          async (c) => markFeedPage(this.env, await openRepository(this.env), id, c),
          (page) => {
            report.marked.feed_segments = (report.marked.feed_segments ?? 0) + page.segments;
            report.marked.refs += page.refs;
          },
        );
        if (pending) {
          const two = { collection: pending.id, deleted: 0, resurrected: 0, freed_bytes: 0 };
          await pagedSteps(
            step,
            "phase two: sweep",
            DATA_STEP,
            async (c) => sweepFossilsPage(this.env, await openRepository(this.env), id, c),
            (page) => {
              two.deleted += page.deleted;
              two.resurrected += page.resurrected;
              two.freed_bytes += page.freed;
            },
          );
          await step.do("phase two: done", CATALOG_STEP, async () => {
            await finishFossilCollection(this.env.CATALOG_DB, pending.id, two);
          });
          report.phase_two = two;
        }
        const one = { fossilized: 0, fossil_bytes: 0, listed: 0 };
        for (const [area, prefix] of [
          ["data", Layout.chunkPrefix],
          ["cold", Layout.coldPrefix],
        ] as const) {
          await pagedSteps(
            step,
            `phase one: ${area}`,
            DATA_STEP,
            async (c) => fossilizePage(this.env, await openRepository(this.env), id, prefix, c, markedAt),
            (page) => {
              one.fossilized += page.fossilized;
              one.fossil_bytes += page.bytes;
              one.listed += page.listed;
            },
          );
        }
        await step.do("phase one: record", CATALOG_STEP, async () => {
          await recordFossilCollection(this.env.CATALOG_DB, {
            id,
            collected_at: markedAt,
            chunks: one.fossilized,
            bytes: one.fossil_bytes,
          });
        });
        report.phase_one = one;

        const tiers = { cooled: 0, warmed: 0, bytes: 0 };
        for (const [area, prefix] of [
          ["data", Layout.chunkPrefix],
          ["cold", Layout.coldPrefix],
        ] as const) {
          await pagedSteps(
            step,
            `tiers: ${area}`,
            DATA_STEP,
            async (c) => tierPage(this.env, await openRepository(this.env), id, prefix, c),
            (page) => {
              tiers.cooled += page.cooled;
              tiers.warmed += page.warmed;
              tiers.bytes += page.bytes;
            },
          );
        }
        report.tiers = tiers;
      }

      await step.do("report", CATALOG_STEP, async () => {
        await clearMarks(this.env.CATALOG_DB, id);
        await recordStorageSample(this.env);
        await finishRun(this.env.CATALOG_DB, id, { status: "completed", report });
      });
      return { run_id: id, forgotten: report.forgotten.length, fossilized: report.phase_one?.fossilized ?? 0 };
    } catch (e) {
      const err = parseError(e);
      await step.do("record failure", CATALOG_STEP, async () => {
        await clearMarks(this.env.CATALOG_DB, id);
        await finishRun(this.env.CATALOG_DB, id, { status: "failed", error: `[${err.code}] ${err.message}` });
      });
      throw e;
    }
  }
}
