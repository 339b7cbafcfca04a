import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import { finishKeyRotation } from "../src/catalog/key-rotations";
import type { Env } from "../src/env";
import { keyReport, listWraps } from "../src/key-management/inventory";
import { keyringOf } from "../src/key-management/keyring";
import { rewrapDataKey } from "../src/key-management/rewrap";
import { openRepository } from "../src/repo/open";
import { CATALOG_STEP, DATA_STEP, finalOnPermanent, parseError, parsePayload } from "../src/workflow-kit/step-policy";
import { KeyRotationParams } from "../schemas/workflows";
import { newestCompletedBackupId } from "../src/catalog/backups";

/** Steps that handle key material: their output is kept out of the instance's stored state. */
const KEY_STEP = { ...DATA_STEP, sensitive: "output" } as const;

/**
 * Re-wraps every data key under the current master key (docs/KEYS.md): inventory of the wraps, one step a data key,
 * a verification that the repository opens and reads with the current key alone, then a report of what still needs
 * each old key. No object is re-encrypted; chunk ids stay, so deduplication carries across.
 */
export class KeyRotationWorkflow extends WorkflowEntrypoint<Env, KeyRotationParams> {
  override async run(event: WorkflowEvent<KeyRotationParams>, step: WorkflowStep) {
    const payload = await parsePayload(event.payload, {
      schema: KeyRotationParams,
      workflow: "KeyRotationWorkflow",
      instanceId: event.instanceId,
      step,
      env: this.env,
    });
    const { rotation_id: id } = payload;
    try {
      const inventory = await step.do("inventory", DATA_STEP, () =>
        finalOnPermanent(async () => {
          const keyring = await keyringOf(this.env);
          const wraps = await listWraps(this.env.BACKUP_BUCKET);
          return { current_kek: keyring.current.kekId, data_keys: [...wraps.keys()].sort() };
        }),
      );
      let rewrapped = 0;
      for (const dk of inventory.data_keys) {
        const r = await step.do(`rewrap ${dk}`, KEY_STEP, () =>
          finalOnPermanent(async () => rewrapDataKey(this.env.BACKUP_BUCKET, await keyringOf(this.env), dk)),
        );
        if (r.written) rewrapped++;
      }
      await step.do("verify", KEY_STEP, () =>
        finalOnPermanent(async () => {
          // The current key alone (no old keys) must open the repository and read its newest manifest.
          const repo = await openRepository({
            BACKUP_BUCKET: this.env.BACKUP_BUCKET,
            BACKUP_ENCRYPTION_KEY: this.env.BACKUP_ENCRYPTION_KEY,
          });
          const newest = await newestCompletedBackupId(this.env.CATALOG_DB);
          if (newest) await repo.getManifestJson(newest);
          return { verified: true };
        }),
      );
      const report = await step.do("report", CATALOG_STEP, async () => {
        const r = await keyReport(this.env.BACKUP_BUCKET, this.env.CATALOG_DB, await keyringOf(this.env));
        await finishKeyRotation(this.env.CATALOG_DB, id, { status: "completed", to_kek: inventory.current_kek, rewrapped, report: r });
        return r;
      });
      return {
        rotation_id: id,
        to_kek: inventory.current_kek,
        rewrapped,
        retirable: report.master_keys.filter((k) => k.retirable).map((k) => k.kek_id),
      };
    } catch (e) {
      const err = parseError(e);
      await step.do("record failure", CATALOG_STEP, () =>
        finishKeyRotation(this.env.CATALOG_DB, id, { status: "failed", error: `[${err.code}] ${err.message}` }),
      );
      throw e;
    }
  }
}
