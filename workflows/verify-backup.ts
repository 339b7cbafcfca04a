import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import type { Env } from "../src/env";
import { VaultlineError } from "../src/errors";
import { Layout } from "../src/repo/layout";
import { openRepository } from "../src/repo/open";
import { backupObjectPage, backupObjectPages } from "../src/replication/backup-objects";
import { readVerified, replicaOf } from "../src/replication/replica";
import { CATALOG_STEP, DATA_STEP, finalOnPermanent, parsePayload } from "../src/workflow-kit/step-policy";
import { VerifyBackupParams } from "../schemas/workflows";
import { finishRepositoryCheck } from "../src/catalog/repository-checks";

type Finding = { key: string; copy: "primary" | "replica"; problem: string };

/**
 * POST /admin/backup/{id}/verify (docs/REPLICATION.md): every object the backup consists of, read in full from the
 * primary (chunks decrypted and checked against their keyed ids) and, with replication on, from the replica
 * (checked against the digest recorded at upload). Read-only: repairs are the scrub's.
 */
export class VerifyBackupWorkflow extends WorkflowEntrypoint<Env, VerifyBackupParams> {
  override async run(event: WorkflowEvent<VerifyBackupParams>, step: WorkflowStep) {
    const payload = await parsePayload(event.payload, {
      schema: VerifyBackupParams,
      workflow: "VerifyBackupWorkflow",
      instanceId: event.instanceId,
      step,
      env: this.env,
    });
    const { check_id: id, backup_id: backupId } = payload;
    const replica = replicaOf(this.env);
    const pages = await step.do("plan", DATA_STEP, () =>
      finalOnPermanent(async () => backupObjectPages(await openRepository({ ...this.env, CROSS_REGION_REPLICATION: "false" }), backupId)),
    );
    const findings: Finding[] = [];
    let objects = 0;
    let bytes = 0;
    for (let page = 0; page < pages; page++) {
      const r = await step.do(`verify ${page + 1}`, DATA_STEP, () =>
        finalOnPermanent(async () => {
          // The primary alone: a fallback to the replica would hide what this is meant to find.
          const repo = await openRepository({ ...this.env, CROSS_REGION_REPLICATION: "false" });
          const out = { objects: 0, bytes: 0, findings: [] as Finding[] };
          for (const key of await backupObjectPage(repo, backupId, page)) {
            out.objects++;
            try {
              if (key.startsWith(Layout.chunkPrefix)) out.bytes += (await repo.getChunk(Layout.chunkIdOf(key))).length;
              else if (!(await readVerified(this.env.BACKUP_BUCKET, key))) out.findings.push({ key, copy: "primary", problem: "missing" });
            } catch (e) {
              out.findings.push({ key, copy: "primary", problem: e instanceof VaultlineError ? e.message : String(e) });
            }
            if (!replica) continue;
            try {
              const names = key.startsWith(Layout.chunkPrefix) ? [key, Layout.cold(Layout.chunkIdOf(key))] : [key];
              let found = false;
              for (const n of names) if (await readVerified(replica, n)) found = true;
              if (!found) out.findings.push({ key, copy: "replica", problem: "missing" });
            } catch (e) {
              out.findings.push({ key, copy: "replica", problem: e instanceof VaultlineError ? e.message : String(e) });
            }
          }
          return out;
        }),
      );
      objects += r.objects;
      bytes += r.bytes;
      findings.push(...r.findings.slice(0, 50));
    }
    const report = { ok: findings.length === 0, backup_id: backupId, objects, bytes, replica_checked: replica !== null, findings };
    await step.do("record", CATALOG_STEP, async () => {
      await finishRepositoryCheck(this.env.CATALOG_DB, id, report.ok, report);
    });
    return { ok: report.ok, objects, findings: findings.length };
  }
}
