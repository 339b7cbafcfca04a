import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../app";
import { LegalHold, LegalHolds } from "../../../schemas/responses";
import { ChangeView } from "../../../schemas/changes";
import { body, ERRORS, idParam, json, routes } from "../openapi";
import { z } from "zod";
import { BackupId } from "../../../schemas/api";
import { HoldId, LegalHoldBody, RangeHoldBody } from "../../../schemas/retention";
import { getBackup } from "../../catalog/backups";
import { ConflictError, NotFoundError } from "../../errors";
import { requestChange } from "../../changes/two-person";
import { placeHold } from "../../retention/holds";
import { getHold, listHolds } from "../../catalog/legal-holds";

export const HoldsQuery = z.strictObject({ active: z.enum(["true", "false"]).optional(), backup_id: BackupId.optional() });

/** Legal holds (docs/RETENTION.md, "Legal holds"): placing one at once; releasing one is a change request. */
export function legalHoldRoutes() {
  const r = routes();

  r.openapi(
    createRoute({
      method: "post",
      path: "/backup/{id}/legal-hold",
      summary: "Place a legal hold on a backup",
      request: { params: idParam(BackupId, "backup"), body: body(LegalHoldBody) },
      responses: { 201: json(LegalHold, "Placed"), ...ERRORS },
    }),
    async (c) => {
      const id = c.req.valid("param").id;
      c.set("auditTarget", id);
      const body = c.req.valid("json");
      if (!(await getBackup(c.env.CATALOG_DB, id))) throw new NotFoundError(`backup ${id} not found`);
      return c.json(await placeHold(c.env, { backup_id: id, reason: body.reason, by: c.get("principal").subject }), 201);
    },
  );

  /** Asks to release: a second person approves (POST /admin/changes/{id}/approve), then the holds are released. */
  r.openapi(
    createRoute({
      method: "post",
      path: "/backup/{id}/legal-hold/release",
      summary: "Ask to release a backup's legal holds (a second person approves)",
      request: { params: idParam(BackupId, "backup"), body: body(LegalHoldBody) },
      responses: { 202: json(ChangeView, "A change request"), ...ERRORS },
    }),
    async (c) => {
      const id = c.req.valid("param").id;
      c.set("auditTarget", id);
      const holds = await listHolds(c.env.CATALOG_DB, { active: true, backup_id: id });
      if (holds.length === 0) throw new NotFoundError(`backup ${id} has no active legal hold of its own`);
      return c.json(await askToRelease(c, id, holds, ` on backup ${id}`, c.req.valid("json").reason), 202);
    },
  );

  r.openapi(
    createRoute({
      method: "post",
      path: "/legal-holds",
      summary: "Hold backups of a component within a date range",
      request: { body: body(RangeHoldBody) },
      responses: { 201: json(LegalHold, "Placed"), ...ERRORS },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const hold = await placeHold(c.env, {
        component: body.component,
        from: body.from,
        to: body.to,
        reason: body.reason,
        by: c.get("principal").subject,
      });
      c.set("auditTarget", hold.id);
      return c.json(hold, 201);
    },
  );

  r.openapi(
    createRoute({
      method: "post",
      path: "/legal-holds/{id}/release",
      summary: "Ask to release a legal hold (a second person approves)",
      request: { params: idParam(HoldId, "legal hold"), body: body(LegalHoldBody) },
      responses: { 202: json(ChangeView, "A change request"), ...ERRORS },
    }),
    async (c) => {
      const id = c.req.valid("param").id;
      c.set("auditTarget", id);
      const hold = await getHold(c.env.CATALOG_DB, id);
      if (!hold) throw new NotFoundError(`legal hold ${id} not found`);
      if (hold.released_at) throw new ConflictError(`legal hold ${id} was already released`);
      return c.json(await askToRelease(c, id, [hold], "", c.req.valid("json").reason), 202);
    },
  );

  r.openapi(
    createRoute({
      method: "get",
      path: "/legal-holds",
      summary: "Legal holds",
      request: { query: HoldsQuery },
      responses: { 200: json(LegalHolds, "Holds"), ...ERRORS },
    }),
    async (c) => {
      const q = c.req.valid("query");
      return c.json({ holds: await listHolds(c.env.CATALOG_DB, { active: q.active === "true", backup_id: q.backup_id }) }, 200);
    },
  );

  return r;
}

/**
 * Releasing holds is a change request (docs/ACCESS.md, "Two people"): the requester shows a second factor (the access
 * rule asks for it), a second person approves (POST /admin/changes/{id}/approve), then the holds are released.
 */
async function askToRelease(c: Context<AppEnv>, target: string, holds: { id: string; reason: string }[], where: string, reason: string) {
  const principal = c.get("principal");
  return requestChange(c.env, {
    payload: { kind: "hold_release", hold_ids: holds.map((h) => h.id), reason },
    target,
    summary: `release legal hold(s) ${holds.map((h) => `${h.id} (${h.reason})`).join(", ")}${where}: ${reason}`,
    by: principal.subject,
  });
}
