import { matchedRoutes } from "hono/route";
import type { RouterRoute } from "hono/types";
import { type AuditEntry, audit, countUnauthenticated, countView } from "../catalog/audit-log";
import { authConfig, authenticate } from "../auth/authenticate";
import { type Principal, requireMfa, requireRole } from "../auth/roles";
import type { Env } from "../env";
import { AuditUnavailableError, ForbiddenError, NotFoundError, UnauthorizedError, VaultlineError } from "../errors";
import { ACCESS } from "./access";
import { refuseDemoMaterial } from "../demo-material";
import { html, json, openApiDocument, routes, script } from "./openapi";
import { DASHBOARD_HTML, DASHBOARD_JS } from "../dashboard/page";
import { approvalRoutes } from "./routes/approvals";
import { auditRoutes } from "./routes/audit";
import { backupRoutes } from "./routes/backups";
import { captureRoutes } from "./routes/capture";
import { catalogRoutes } from "./routes/catalog";
import { configRoutes } from "./routes/config";
import { demoRoutes } from "./routes/demo";
import { healthRoutes } from "./routes/health";
import { keyRoutes } from "./routes/keys";
import { notificationRoutes } from "./routes/notifications";
import { restoreRoutes } from "./routes/restores";
import { replicationRoutes } from "./routes/replication";
import { reportRoutes } from "./routes/reports";
import { retentionRoutes } from "./routes/retention";
import { legalHoldRoutes } from "./routes/legal-holds";
import { testRestoreRoutes } from "./routes/test-restores";
import { providerRoutes } from "./routes/provider";
import { changeRoutes } from "./routes/changes";
import { breakGlassRoutes } from "./routes/break-glass";
import { bufferJsonBody } from "./validate";
import type { z } from "zod";
import { DashboardConfig, Healthz, OpenApiDocument } from "../../schemas/responses";
import { dashboardSecurityHeaders, dashboardSignIn } from "../dashboard/sign-in";
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { DOCS_JS, DOCS_SECURITY, docsPage } from "./docs-page";

export type AppEnv = { Bindings: Env; Variables: { principal: Principal; requestId: string; auditTarget?: string } };

export function errorBody(e: VaultlineError) {
  return {
    error: { code: e.code, message: e.message, ...(e.field ? { field: e.field } : {}), ...(e.details ? { details: e.details } : {}) },
  };
}

/**
 * Deny by default: the route this request matched must have a rule in the access matrix (src/api/access.ts), the
 * caller must hold one of its roles, and show a second factor where the rule always asks for one. Handlers check
 * what depends on the body on top (production needs restore_requester and a second factor; an approver must not be
 * the requester). No matched handler: the not-found answer follows.
 */
function enforceAccess(method: string, handler: RouterRoute | undefined, principal: Principal, env: Env): void {
  if (!handler) return;
  const key = `${method} ${handler.path}`;
  const rule = ACCESS[key];
  if (!rule) throw new ForbiddenError(`${key} has no access rule: denied by default`);
  if (Array.isArray(rule.roles)) requireRole(principal, rule.roles, key);
  // Before the request is validated: a missing second factor is the answer, whatever the body.
  if (rule.mfa === "always") requireMfa(principal, authConfig(env), key);
}

/**
 * A change signed in through Cloudflare Access must say `application/json`: the browser attaches Access's cookie to
 * any request, a cross-site form's included, but no form can send that type without a preflight this API never
 * grants. Bearer tokens are not sent by browsers on their own, so their callers may send JSON as they like.
 */
function refuseCrossSiteChange(req: Request, principal: Principal): void {
  if (principal.via !== "access" || req.method === "GET" || req.method === "HEAD") return;
  const type = (req.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json")
    throw new ForbiddenError("a change signed in through Cloudflare Access must be sent as application/json (cross-site forms cannot)");
}

const statusOf = (e: unknown) => (e instanceof VaultlineError ? e.status : 500);
const logAuditFailure = (e: unknown) => console.error("audit write failed", e instanceof Error ? e.message : e);

/** From where a call came: Cloudflare's view of the client address (never a header the client sets itself). */
function sourceOf(req: Request): string {
  return req.headers.get("cf-connecting-ip") ?? (req as { cf?: { colo?: string } }).cf?.colo ?? "unknown";
}

export function createApp(): OpenAPIHono<AppEnv> {
  const app = routes();

  app.onError((err, c) => {
    if (err instanceof VaultlineError) return c.json(errorBody(err), err.status as 400);
    // Hono's own refusals (a media type a route does not take, ...): their status, in our error shape.
    if (err instanceof HTTPException && err.status < 500)
      return c.json(
        { error: { code: err.status === 415 ? "unsupported_media_type" : "invalid_request", message: err.message } },
        err.status,
      );
    console.error("unhandled error", err instanceof Error ? err.message : "non-error thrown");
    return c.json({ error: { code: "internal_error", message: "internal error" } }, 500);
  });
  app.notFound((c) => c.json(errorBody(new NotFoundError(`no route ${c.req.method} ${new URL(c.req.url).pathname}`)), 404));

  // The public demo's keys, tokens and DEMO_MODE work in local development only (src/demo-material.ts).
  app.use("*", async (c, next) => {
    await refuseDemoMaterial(c.env, { url: c.req.url });
    await next();
  });

  app.openapi(
    createRoute({
      method: "get",
      path: "/healthz",
      summary: "Liveness: the Worker answers",
      responses: { 200: json(Healthz, "Up") },
    }),
    (c) => c.json({ ok: true as const, service: "vaultline" as const }, 200),
  );
  // The dashboard: a page and its script, no data (docs/DASHBOARD.md). Everything it shows comes through /admin/*.
  app.openapi(
    createRoute({ method: "get", path: "/", summary: "The dashboard (a page; its data comes from /admin/*)", responses: { 200: html } }),
    (c) => c.html(DASHBOARD_HTML, 200, dashboardSecurityHeaders(dashboardSignIn(c.env))) as never,
  );
  app.openapi(
    createRoute({ method: "get", path: "/dashboard.js", summary: "The dashboard's script", responses: { 200: script } }),
    (c) =>
      c.body(DASHBOARD_JS, 200, {
        ...dashboardSecurityHeaders(dashboardSignIn(c.env)),
        "content-type": "text/javascript; charset=utf-8",
      }) as never,
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/dashboard/config",
      summary: "How the dashboard signs people in: through the provider (PKCE) or with a token",
      responses: { 200: json(DashboardConfig, "The sign-in the page offers") },
    }),
    (c) => c.json(dashboardSignIn(c.env), 200),
  );
  // Generated from the routes' own schemas (src/api/openapi.ts); /docs renders it.
  app.openapi(
    createRoute({
      method: "get",
      path: "/openapi.json",
      summary: "This document (OpenAPI 3.1)",
      responses: { 200: json(OpenApiDocument, "The document") },
    }),
    (c) => c.json(openApiDocument(app) as z.infer<typeof OpenApiDocument>, 200),
  );
  app.openapi(
    createRoute({ method: "get", path: "/docs", summary: "The API's documentation, rendered (Swagger UI)", responses: { 200: html } }),
    (c) => c.html(docsPage(), 200, DOCS_SECURITY) as never,
  );
  app.openapi(
    createRoute({ method: "get", path: "/docs.js", summary: "The documentation page's script", responses: { 200: script } }),
    (c) => c.body(DOCS_JS, 200, { ...DOCS_SECURITY, "content-type": "text/javascript; charset=utf-8" }) as never,
  );
  // Outside /admin: no bearer token; custodians' signatures are the credential (docs/runbooks/provider-down.md).
  app.use("/break-glass/*", async (c, next) => {
    await bufferJsonBody(c);
    await next();
  });
  app.route("/", breakGlassRoutes());

  // Every admin call is authenticated and audited (who, what, target, from where, outcome), the refused ones included
  // (docs/AUDIT.md). A change is audited before it runs and refused when its entry cannot be written; a read is
  // withheld (503) when its entry cannot be written. Requests that fail authentication are counted, not chained.
  app.use("/admin/*", async (c, next) => {
    const requestId = crypto.randomUUID();
    c.set("requestId", requestId);
    // The route pattern the request matched (for the access rule and the audit action), if any.
    const handler = matchedRoutes(c).find((r) => r.method !== "ALL"); // the first one answers: it never calls next()
    const path = new URL(c.req.url).pathname;
    const source = sourceOf(c.req.raw);
    const entry = (actor: string, outcome: number, target: string | null): AuditEntry => ({
      actor,
      action: `${c.req.method} ${handler?.path ?? path}`,
      target,
      outcome,
      request_id: requestId,
      source,
    });
    const db = c.env.CATALOG_DB;

    let principal: Principal;
    try {
      principal = await authenticate(
        { authorization: c.req.header("authorization"), access: c.req.header("cf-access-jwt-assertion") },
        c.env,
      );
    } catch (e) {
      if (e instanceof UnauthorizedError) await countUnauthenticated(db, source).catch(logAuditFailure);
      else await audit(db, entry("anonymous", statusOf(e), null)).catch(logAuditFailure);
      throw e;
    }
    c.set("principal", principal);
    try {
      enforceAccess(c.req.method, handler, principal, c.env);
      refuseCrossSiteChange(c.req.raw, principal);
      await bufferJsonBody(c);
    } catch (e) {
      // Refused before anything ran.
      await audit(db, entry(principal.subject, statusOf(e), null)).catch(logAuditFailure);
      throw e;
    }

    const changes = c.req.method !== "GET" && c.req.method !== "HEAD";
    if (changes) {
      // Written ahead (outcome 102: authorised, about to run), or nothing runs.
      const target = handler?.path.includes(":") ? path.slice("/admin".length) : null;
      await audit(db, entry(principal.subject, 102, target)).catch((e) => {
        logAuditFailure(e);
        throw new AuditUnavailableError();
      });
    }
    await next(); // errors from handlers are turned into responses by onError before this returns
    const outcome = c.res.status;
    if (changes) {
      // Its result: the answer's status and what the handler named (the backup it started, ...). The change has run,
      // so a failure to write this one is logged, not answered.
      await audit(db, entry(principal.subject, outcome, c.get("auditTarget") ?? null)).catch(logAuditFailure);
      return;
    }
    try {
      // A read-only poll that succeeded (the dashboard's refresh) is counted for its minute, not chained on its own
      // (src/audit/views.ts); a refused one, and any read of backup data, is an entry of its own.
      const key = handler ? `${c.req.method} ${handler.path}` : "";
      if (c.req.header("x-vaultline-poll") === "1" && outcome < 300 && handler && !ACCESS[key]?.readsData)
        await countView(db, principal.subject, key);
      else await audit(db, entry(principal.subject, outcome, c.get("auditTarget") ?? null));
    } catch (e) {
      logAuditFailure(e);
      c.res = c.json(errorBody(new AuditUnavailableError()), 503);
    }
  });

  // Before backupRoutes: its GET /backup/:id would otherwise answer GET /backup/policies or /backup/health.
  app.route("/admin", retentionRoutes());
  app.route("/admin", legalHoldRoutes());
  app.route("/admin", healthRoutes());
  app.route("/admin", backupRoutes());
  app.route("/admin", restoreRoutes());
  app.route("/admin", catalogRoutes());
  app.route("/admin", captureRoutes());
  app.route("/admin", testRestoreRoutes());
  app.route("/admin", approvalRoutes());
  app.route("/admin", configRoutes());
  app.route("/admin", auditRoutes());
  app.route("/admin", keyRoutes());
  app.route("/admin", reportRoutes());
  app.route("/admin", replicationRoutes());
  app.route("/admin", notificationRoutes());
  app.route("/admin", providerRoutes());
  app.route("/admin", changeRoutes());
  app.route("/admin", demoRoutes());
  return app;
}
