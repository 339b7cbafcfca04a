import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import type { Env } from "../src/env";
import { openRepository } from "../src/repo/open";
import { type CheckPage, checkCatalog, checkManifestPage } from "../src/retention/check";
import { CATALOG_STEP, DATA_STEP, pagedSteps, parsePayload } from "../src/workflow-kit/step-policy";
import { RepositoryCheckParams } from "../schemas/workflows";
import { finishRepositoryCheck } from "../src/catalog/repository-checks";

/**
 * Proves the repository consistent (docs/RETENTION.md): every manifest reads and every chunk it references exists
 * (in data/ or, awaiting phase two, in fossils/); the catalog agrees with the bucket. Interrupted forgets and
 * pending fossils are reported, not failures: the next retention run finishes them and every backup still restores.
 */
export class RepositoryCheckWorkflow extends WorkflowEntrypoint<Env, RepositoryCheckParams> {
  override async run(event: WorkflowEvent<RepositoryCheckParams>, step: WorkflowStep) {
    const payload = await parsePayload(event.payload, {
      schema: RepositoryCheckParams,
      workflow: "RepositoryCheckWorkflow",
      instanceId: event.instanceId,
      step,
      env: this.env,
    });
    const id = payload.check_id;
    const total = { manifests: 0, refs: 0, missing: [] as CheckPage["missing"], unreadable: [] as CheckPage["unreadable"] };
    await pagedSteps(
      step,
      "manifests",
      DATA_STEP,
      async (c) => checkManifestPage(this.env, await openRepository(this.env), c),
      (page) => {
        total.manifests += page.manifests;
        total.refs += page.refs;
        total.missing.push(...page.missing);
        total.unreadable.push(...page.unreadable);
      },
    );
    const catalog = await step.do("catalog", CATALOG_STEP, () => checkCatalog(this.env));
    const ok =
      total.missing.length === 0 &&
      total.unreadable.length === 0 &&
      catalog.completed_without_manifest.length === 0 &&
      catalog.forgotten_with_manifest.length === 0;
    const report = { ok, ...total, ...catalog };
    await step.do("record", CATALOG_STEP, async () => {
      await finishRepositoryCheck(this.env.CATALOG_DB, id, ok, report);
    });
    return { ok, manifests: total.manifests, missing: total.missing.length };
  }
}
