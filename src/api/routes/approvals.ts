import { sealApproval } from "../../repo/catalog-records";
import { createRoute } from "@hono/zod-openapi";
import { RestoreDecision, RollbackStarted } from "../../../schemas/responses";
import { body, ERRORS, idParam, json, routes } from "../openapi";
import { DecisionBody, RestoreId } from "../../../schemas/api";
import { type ApprovalEvent, RequestSelection } from "../../../schemas/workflows";
import { rollbackPlans } from "../../restore/plan";
import type { Component } from "../../../schemas/api";
import { getApproval, getRestore, recordApproval, restoreInProgress } from "../../catalog/restores";
import { ConflictError, ForbiddenError, NotFoundError } from "../../errors";
import { startProductionRestore } from "../../restore/start";

/**
 * The second person's decision on a production restore. The approver must hold the approver role and must not be
 * the requester: compared by subject, so a second token of the same person cannot approve either. The decision is
 * recorded (the first one stands) and sent to the restore's waiting step.
 */
export function approvalRoutes() {
  const r = routes();
  for (const decision of ["approve", "reject"] as const) {
    r.openapi(
      createRoute({
        method: "post",
        path: `/restore/{id}/${decision}`,
        summary: `${decision === "approve" ? "Approve" : "Reject"} a production restore (a second person, second factor)`,
        request: { params: idParam(RestoreId, "restore"), body: body(DecisionBody) },
        responses: { 200: json(RestoreDecision, "Recorded and sent to the waiting restore"), ...ERRORS },
      }),
      async (c) => {
        const principal = c.get("principal");
        const id = c.req.valid("param").id;
        c.set("auditTarget", id);
        const body = c.req.valid("json");
        const row = await getRestore(c.env.CATALOG_DB, id);
        if (row?.target_binding !== "production") throw new NotFoundError(`production restore ${id} not found`);
        if (row.requested_by === principal.subject) {
          throw new ForbiddenError(
            `${principal.subject} requested restore ${id} and cannot ${decision} it: a second person must (any token of the same subject is the same person)`,
          );
        }
        // The same person's same decision again is answered as the first was, and the event is sent again while the
        // restore still waits: a first attempt that recorded the decision but died before sending it is not stuck.
        const prior = await getApproval(c.env.CATALOG_DB, id);
        const repeat = prior?.decided_by === principal.subject && prior.decision === decision;
        if (prior && !repeat) throw new ConflictError(`restore ${id} has already been decided (${prior.decision} by ${prior.decided_by})`);
        if (!repeat) {
          if (row.status !== "awaiting_approval")
            throw new ConflictError(`restore ${id} is ${row.status}${row.stage ? ` (${row.stage})` : ""}, not awaiting approval`);
          if (row.approval_expires_at && Date.parse(row.approval_expires_at) < Date.now()) {
            throw new ConflictError(`the approval window of restore ${id} closed at ${row.approval_expires_at}; it is being cancelled`);
          }
          if (!(await recordApproval(c.env.CATALOG_DB, { restore_id: id, decision, decided_by: principal.subject, comment: body.comment })))
            throw new ConflictError(`restore ${id} has already been decided`);
          await sealApproval(c.env, id);
        }
        const payload: ApprovalEvent = { decision, by: principal.subject, comment: repeat ? prior.comment : body.comment };
        if (!repeat || row.status === "awaiting_approval")
          await (await c.env.PRODUCTION_RESTORE.get(id)).sendEvent({ type: "approval", payload });
        c.set("auditTarget", `${id}: ${decision}d by ${principal.subject}`);
        return c.json({ restore_id: id, decision, decided_by: principal.subject, ...(repeat ? { repeated: true } : {}) }, 200);
      },
    );
  }
  /**
   * Rolls a completed production restore back to its safety snapshot, within RESTORE_ROLLBACK_HOURS: the same scope
   * the restore had (one user's rows stay one user's rows), through the same stages as a restore but the gate (the
   * snapshot was verified when taken): a second person's approval, a fresh safety snapshot, then the restore.
   */
  r.openapi(
    createRoute({
      method: "post",
      path: "/restore/{id}/rollback",
      summary: "Roll a production restore back to its safety snapshot",
      request: { params: idParam(RestoreId, "restore") },
      responses: { 202: json(RollbackStarted, "Started; waits for a second person"), ...ERRORS },
    }),
    async (c) => {
      const principal = c.get("principal");
      const id = c.req.valid("param").id;
      c.set("auditTarget", id);
      const row = await getRestore(c.env.CATALOG_DB, id);
      if (row?.target_binding !== "production") throw new NotFoundError(`production restore ${id} not found`);
      if (row.status !== "completed")
        throw new ConflictError(`restore ${id} is ${row.status}; only a completed restore can be rolled back`);
      if (!row.safety_backups || !row.rollback_until) throw new ConflictError(`restore ${id} has no safety snapshot to roll back to`);
      if (Date.parse(row.rollback_until) < Date.now())
        throw new ConflictError(`the rollback window of restore ${id} closed at ${row.rollback_until}`);
      const busy = await restoreInProgress(c.env.CATALOG_DB, { production: true });
      if (busy) throw new ConflictError(`production restore ${busy} is in progress; one at a time`);
      const safety = JSON.parse(row.safety_backups) as Partial<Record<Component, string>>;
      const components = (JSON.parse(row.components) as Component[]).filter((x) => safety[x]);
      const selection = RequestSelection.parse(row.scope ? JSON.parse(row.scope) : {});
      const plans = await rollbackPlans(c.env, safety, components, selection);
      const rid = await startProductionRestore(c.env, {
        backup_id: Object.values(safety)[0]!,
        components,
        requested_by: principal.subject,
        plans,
        selection,
        rollback_of: { restore_id: id, safety, components },
      });
      c.set("auditTarget", `${rid}: rollback of ${id}`);
      return c.json(
        {
          restore_id: rid,
          rollback_of: id,
          status: "initiated" as const,
          stages: ["approval", "safety snapshot", ...plans.map((p) => `restore ${p.component}`), "final verification"],
        },
        202,
      );
    },
  );
  return r;
}
