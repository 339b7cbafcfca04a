import { DecisionBody } from "../../../schemas/api";
import { createRoute } from "@hono/zod-openapi";
import { ChangeList } from "../../../schemas/responses";
import { ChangeView } from "../../../schemas/changes";
import { body, ERRORS, idParam, json, routes } from "../openapi";
import { ChangeId, ListChangesQuery } from "../../../schemas/changes";
import { getChange, listChanges } from "../../catalog/change-requests";
import { changeView, decide } from "../../changes/two-person";
import { NotFoundError } from "../../errors";

/** Destructive changes waiting for a second person, and their decisions (docs/ACCESS.md, "Two people"). */
export function changeRoutes() {
  const r = routes();
  r.openapi(
    createRoute({
      method: "get",
      path: "/changes",
      summary: "Destructive changes waiting for, or decided by, a second person",
      request: { query: ListChangesQuery },
      responses: { 200: json(ChangeList, "Change requests"), ...ERRORS },
    }),
    async (c) => {
      const q = c.req.valid("query");
      return c.json({ changes: (await listChanges(c.env.CATALOG_DB, q.status)).map(changeView) }, 200);
    },
  );
  r.openapi(
    createRoute({
      method: "get",
      path: "/changes/{id}",
      summary: "A change request",
      request: { params: idParam(ChangeId, "change request") },
      responses: { 200: json(ChangeView, "The change request"), ...ERRORS },
    }),
    async (c) => {
      const id = c.req.valid("param").id;
      const row = await getChange(c.env.CATALOG_DB, id);
      if (!row) throw new NotFoundError(`change request ${id} not found`);
      return c.json(changeView(row), 200);
    },
  );
  for (const decision of ["approve", "reject"] as const) {
    r.openapi(
      createRoute({
        method: "post",
        path: `/changes/{id}/${decision}`,
        summary: `${decision === "approve" ? "Approve" : "Reject"} a destructive change (a second person, second factor)`,
        request: { params: idParam(ChangeId, "change request"), body: body(DecisionBody) },
        responses: { 200: json(ChangeView, "Decided"), ...ERRORS },
      }),
      async (c) => {
        const principal = c.get("principal");
        const id = c.req.valid("param").id;
        c.set("auditTarget", id);
        const body = c.req.valid("json");
        return c.json(await decide(c.env, id, { decision, by: principal.subject, comment: body.comment }), 200);
      },
    );
  }
  return r;
}
