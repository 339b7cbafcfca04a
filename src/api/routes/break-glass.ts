import { sealApproval } from "../../repo/catalog-records";
import { createRoute } from "@hono/zod-openapi";
import { BreakGlassStarted } from "../../../schemas/responses";
import { parseOrThrow } from "../validate";
import { body, ERRORS, json, routes } from "../openapi";
import { RestoreBody } from "../../../schemas/api";
import { BreakGlassSubmission } from "../../../schemas/break-glass";
import { audit } from "../../catalog/audit-log";
import { breakGlassUse, recordBreakGlassUse, releaseBreakGlassUse, setBreakGlassRestore } from "../../catalog/break-glass";
import { recordApproval } from "../../catalog/restores";
import { verifyBreakGlass } from "../../break-glass/verify";
import { AuditUnavailableError, ConflictError, ValidationError } from "../../errors";
import { planRestoreRequest } from "../../restore/request";
import { startProductionRestore } from "../../restore/start";

/**
 * Break-glass (docs/runbooks/provider-down.md): a production restore started with M custodians' offline signatures
 * over exactly this request, in place of the requester's second factor and the approver's, for when the provider
 * that signs people in is the thing that is down. No bearer token: the signatures are the credential. The gate
 * (a passing drill of the backup), the safety snapshot, staging and rollback all run as for any production restore.
 */
export function breakGlassRoutes() {
  const r = routes();
  r.openapi(
    createRoute({
      method: "post",
      path: "/break-glass/restore",
      summary: "Start a production restore with M custodians' signatures (the provider is down)",
      request: { body: body(BreakGlassSubmission) },
      responses: { 202: json(BreakGlassStarted, "Started"), ...ERRORS },
    }),
    async (c) => {
      const db = c.env.CATALOG_DB;
      const submission = c.req.valid("json");
      const v = await verifyBreakGlass(c.env, submission);
      const body = parseOrThrow(RestoreBody, v.request.restore, "request.restore");
      if (body.target_environment !== "production" || body.dry_run)
        throw new ValidationError(
          "break-glass starts production restores only (a test restore or a dry run needs no custodians)",
          "request.restore.target_environment",
        );
      const used = await breakGlassUse(db, v.digest);
      if (used)
        throw new ConflictError(`this break-glass request was used at ${used.used_at} (restore ${used.restore_id}): sign a new one`);
      const { requested, plans } = await planRestoreRequest(c.env, body);
      const actor = `break-glass:${v.custodians.join("+")}`;
      // Audited (and so notified, critical) before anything starts; without its entry, nothing does.
      await audit(db, {
        actor,
        action: "break_glass.used",
        target: v.digest,
        outcome: 1,
        source: c.req.header("cf-connecting-ip") ?? "unknown",
        detail: {
          custodians: v.custodians,
          operator: v.request.operator,
          reason: v.request.reason,
          backup_id: requested.id,
          components: body.components,
          expires_at: v.request.expires_at,
        },
      }).catch(() => {
        throw new AuditUnavailableError();
      });
      // Claimed before the restore starts: two submissions of one request race for one row.
      const claim = {
        digest: v.digest,
        restore_id: "starting",
        custodians: v.custodians,
        operator: v.request.operator,
        reason: v.request.reason,
      };
      if (!(await recordBreakGlassUse(db, claim)))
        throw new ConflictError("this break-glass request is being used right now: sign a new one");
      let id: string;
      try {
        id = await startProductionRestore(c.env, {
          backup_id: requested.id,
          components: body.components,
          requested_by: `${actor} (${v.request.operator})`,
          plans,
          target_timestamp: body.target_timestamp,
          selection: { database: body.database, assets: body.assets, sessions: body.sessions },
        });
      } catch (e) {
        await releaseBreakGlassUse(db, v.digest);
        throw e;
      }
      await setBreakGlassRestore(db, v.digest, id);
      // The custodians' signatures are the approval: the restore's approval stage finds it recorded.
      await recordApproval(db, { restore_id: id, decision: "approve", decided_by: actor, comment: `break-glass: ${v.request.reason}` });
      await sealApproval(c.env, id);
      return c.json(
        {
          restore_id: id,
          status: "initiated" as const,
          break_glass: { digest: v.digest, custodians: v.custodians, expires_at: v.request.expires_at },
          stages: [
            "gate",
            "approval (break-glass: recorded)",
            "safety snapshot",
            ...plans.map((p) => `restore ${p.component}`),
            "final verification",
          ],
        },
        202,
      );
    },
  );
  return r;
}
