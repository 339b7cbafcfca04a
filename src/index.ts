import { ASSET_EVENTS_QUEUE, consumeAssetEvents } from "./assets/events";
import { createApp } from "./api/app";
import { refuseDemoMaterial } from "./demo-material";
import type { Env } from "./env";
import { runSchedule } from "./schedule/run-schedule";
import { consume } from "./notify/deliver";
import type { Delivery } from "../schemas/notifications";

export { FullDatabaseBackupWorkflow } from "../workflows/full-database-backup";
export { DatabaseRestoreWorkflow } from "../workflows/database-restore";
export { AssetBackupWorkflow } from "../workflows/asset-backup";
export { AssetRestoreWorkflow } from "../workflows/asset-restore";
export { ConfigBackupWorkflow } from "../workflows/config-backup";
export { FullSystemBackupWorkflow } from "../workflows/full-system-backup";
export { SessionBackupWorkflow } from "../workflows/session-backup";
export { SessionRestoreWorkflow } from "../workflows/session-restore";
export { IncrementalBackupWorkflow } from "../workflows/incremental-backup";
export { TestRestoreWorkflow } from "../workflows/test-restore";
export { ProductionRestoreWorkflow } from "../workflows/production-restore";
export { KeyRotationWorkflow } from "../workflows/key-rotation";
export { RetentionWorkflow } from "../workflows/retention";
export { RepositoryCheckWorkflow } from "../workflows/repository-check";
export { ReplicationWorkflow } from "../workflows/replication";
export { ScrubWorkflow } from "../workflows/scrub";
export { VerifyBackupWorkflow } from "../workflows/verify-backup";
export { CaptureShipper } from "./capture/shipper-object";

const app = createApp();

export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    // Outside local development, demo material stops every scheduled run (src/demo-material.ts).
    await refuseDemoMaterial(env, "scheduled");
    ctx.waitUntil(runSchedule(env, controller.cron));
  },
  // R2 event notifications for the asset change feed; notification deliveries, and the dead-letter queue's (docs/NOTIFICATIONS.md).
  async queue(batch, env) {
    if (batch.queue.startsWith(ASSET_EVENTS_QUEUE)) await consumeAssetEvents(batch, env);
    else await consume(batch as MessageBatch<Delivery>, env);
  },
} satisfies ExportedHandler<Env>;
