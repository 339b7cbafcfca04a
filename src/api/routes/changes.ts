import { DecisionBody } from "../../../schemas/api";
import { Hono } from "hono";
import { ChangeId, ListChangesQuery } from "../../../schemas/changes";
import { authConfig } from "../../auth/authenticate";
import { requireMfa } from "../../auth/roles";
import { getChange, listChanges } from "../../catalog/change-requests";
import { changeView, decide } from "../../changes/two-person";
import { NotFoundError } from "../../errors";
import type { AppEnv } from "../app";
import { jsonBody, parseOrThrow, pathId } from "../validate";

/** Destructive changes waiting for a second person, and their decisions (docs/ACCESS.md, "Two people"). */
export function changeRoutes() {
  const r = new Hono<AppEnv>();
  r.get("/changes", async (c) => {
    const q = parseOrThrow(ListChangesQuery, c.req.query());
    return c.json({ changes: (await listChanges(c.env.CATALOG_DB, q.status)).map(changeView) });
  });
  r.get("/changes/:id", async (c) => {
    const id = pathId(c.req.param("id"), ChangeId, "change request");
    const row = await getChange(c.env.CATALOG_DB, id);
    if (!row) throw new NotFoundError(`change request ${id} not found`);
    return c.json(changeView(row));
  });
  for (const decision of ["approve", "reject"] as const) {
    r.post(`/changes/:id/${decision}`, async (c) => {
      const principal = c.get("principal");
      requireMfa(principal, authConfig(c.env), `${decision === "approve" ? "approving" : "rejecting"} a destructive change`);
      const id = pathId(c.req.param("id"), ChangeId, "change request");
      c.set("auditTarget", id);
      const body = parseOrThrow(DecisionBody, await jsonBody(c.req.raw));
      return c.json(await decide(c.env, id, { decision, by: principal.subject, comment: body.comment }));
    });
  }
  return r;
}
