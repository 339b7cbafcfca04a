import { Hono } from "hono";
import { matchedRoutes } from "hono/route";
import type { RouterRoute } from "hono/types";
import { audit } from "../catalog/audit-log";
import { authenticate } from "../auth/authenticate";
import { type Principal, requireRole } from "../auth/roles";
import type { Env } from "../env";
import { ForbiddenError, NotFoundError, VaultlineError } from "../errors";
import { ACCESS } from "./access";
import { openApiDocument } from "./openapi";
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
import { testRestoreRoutes } from "./routes/test-restores";
import { providerRoutes } from "./routes/provider";
import { checkDeclaredLength } from "./validate";
import type { z } from "zod";
import type { Healthz } from "../../schemas/responses";

export type AppEnv = { Bindings: Env; Variables: { principal: Principal; requestId: string; auditTarget?: string } };

export function errorBody(e: VaultlineError) {
  return {
    error: { code: e.code, message: e.message, ...(e.field ? { field: e.field } : {}), ...(e.details ? { details: e.details } : {}) },
  };
}

/**
 * Deny by default: the route this request matched must have a rule in the access matrix (src/api/access.ts), and
 * the caller must hold one of its roles. Handlers check what depends on the body on top (production needs
 * restore_requester and a second factor; an approver must not be the requester). No matched handler: the
 * not-found answer follows.
 */
function enforceAccess(method: string, handler: RouterRoute | undefined, principal: Principal): void {
  if (!handler) return;
  const key = `${method} ${handler.path}`;
  const rule = ACCESS[key];
  if (!rule) throw new ForbiddenError(`${key} has no access rule: denied by default`);
  if (Array.isArray(rule.roles)) requireRole(principal, rule.roles, key);
}

/** From where a call came: Cloudflare's view of the client address (never a header the client sets itself). */
function sourceOf(req: Request): string {
  return req.headers.get("cf-connecting-ip") ?? (req as { cf?: { colo?: string } }).cf?.colo ?? "unknown";
}

export function createApp() {
  const app = new Hono<AppEnv>();

  app.onError((err, c) => {
    if (err instanceof VaultlineError) return c.json(errorBody(err), err.status as 400);
    console.error("unhandled error", err instanceof Error ? err.message : "non-error thrown");
    return c.json({ error: { code: "internal_error", message: "internal error" } }, 500);
  });
  app.notFound((c) => c.json(errorBody(new NotFoundError(`no route ${c.req.method} ${new URL(c.req.url).pathname}`)), 404));

  app.get("/healthz", (c) => c.json({ ok: true, service: "vaultline" } satisfies z.infer<typeof Healthz>));
  // The dashboard: a page and its script, no data (docs/DASHBOARD.md). Everything it shows comes through /admin/*.
  const SECURITY = {
    "content-security-policy":
      "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
  };
  app.get("/", (c) => c.html(DASHBOARD_HTML, 200, SECURITY));
  app.get("/dashboard.js", (c) => c.body(DASHBOARD_JS, 200, { ...SECURITY, "content-type": "text/javascript; charset=utf-8" }));
  // Generated from the schemas the handlers validate with (src/api/openapi.ts).
  app.get("/openapi.json", (c) => c.json(openApiDocument()));

  // Every admin call is authenticated and audited (who, what, target, from where, outcome), the refused ones included.
  app.use("/admin/*", async (c, next) => {
    const requestId = crypto.randomUUID();
    c.set("requestId", requestId);
    let actor = "anonymous";
    let outcome = 500;
    // The route pattern the request matched (for the access rule and the audit action), if any.
    const handler = matchedRoutes(c).find((r) => r.method !== "ALL"); // the first one answers: it never calls next()
    try {
      const principal = await authenticate(c.req.header("authorization"), c.env);
      actor = principal.subject;
      c.set("principal", principal);
      enforceAccess(c.req.method, handler, principal);
      checkDeclaredLength(c.req.raw);
      await next(); // errors from handlers are turned into responses by onError before this returns
      outcome = c.res.status;
    } catch (e) {
      // Refused here (authentication, access, size, configuration): onError answers after this middleware unwinds.
      outcome = e instanceof VaultlineError ? e.status : 500;
      throw e;
    } finally {
      await audit(c.env.CATALOG_DB, {
        actor,
        action: `${c.req.method} ${handler?.path ?? new URL(c.req.url).pathname}`,
        target: c.get("auditTarget") ?? null,
        outcome,
        request_id: requestId,
        source: sourceOf(c.req.raw),
      }).catch((e) => console.error("audit write failed", e instanceof Error ? e.message : e));
    }
  });

  // Before backupRoutes: its GET /backup/:id would otherwise answer GET /backup/policies or /backup/health.
  app.route("/admin", retentionRoutes());
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
  app.route("/admin", demoRoutes());
  return app;
}
