// The admin API's routes are declared with @hono/zod-openapi: each route's request (path, query, body) and answers
// are zod schemas next to its handler; the library validates the request with them before the handler runs and
// builds the OpenAPI document from the same objects, so the document cannot describe another shape than the one
// enforced. This module holds what every route shares: the router, the validation hook that turns a zod issue into
// our 400 naming its field, and the answers every route can give (errors).
import { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { ValidationError } from "../errors";
import { ErrorBody } from "../../schemas/api";
import { ACCESS } from "./access";
import type { AppEnv } from "./app";
import { fieldOf, MAX_BODY_BYTES } from "./validate";

/** A router for one family of routes; `app.route()` merges their documentation into the app's. */
export function routes(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (result.success) return;
      const issue = result.error.issues[0]!;
      const field = fieldOf(issue.path);
      throw new ValidationError(field ? `${field}: ${issue.message}` : issue.message, field || undefined);
    },
  });
}

const error = (description: string) => ({ description, content: { "application/json": { schema: ErrorBody } } });

/** The answers every route can give besides its own: refused input, credentials, a missing object, a conflict. */
export const ERRORS = {
  400: error("invalid_request: names the field (`field`)"),
  401: error("unauthorized: no credential, or not a valid one"),
  403: error("forbidden (a role is missing) or mfa_required (a second factor is)"),
  404: error("not_found"),
  409: error("conflict: the state does not allow it now (says why)"),
  413: error(`payload_too_large: a body over ${MAX_BODY_BYTES} bytes`),
  422: error("unprocessable: e.g. an instant no backup reaches (details name the nearest restorable instants)"),
  500: error("internal_error, or a configuration error naming the setting"),
  503: error("audit_unavailable: the audit entry could not be written, so nothing ran"),
} as const;

/** A JSON answer with its schema. */
export const json = <S extends z.ZodType>(schema: S, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

/** A Server-Sent Events answer (src/api/status-events.ts). */
export const eventStream = {
  description: "Server-Sent Events: `status` with the whole view at each change, then `end`",
  content: { "text/event-stream": { schema: z.string() } },
};

/** A page, and a script (the dashboard's, the docs'). */
export const html = { description: "An HTML page", content: { "text/html": { schema: z.string() } } };
export const script = { description: "JavaScript", content: { "text/javascript": { schema: z.string() } } };

/** A required JSON body. */
export const body = <S extends z.ZodType>(schema: S) => ({ required: true, content: { "application/json": { schema } } });

/** `{id}` in a path, checked against the id's own schema (a malformed one is a 400 naming `id`). */
export const idParam = <S extends z.ZodType<string>>(schema: S, what: string) => z.object({ id: schema.describe(`a ${what} id`) });

/** The OpenAPI 3.1 document of the app, with each route's roles and second-factor rule from the access matrix. */
export function openApiDocument(app: OpenAPIHono<AppEnv>): Record<string, unknown> {
  const doc = app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "Vaultline admin API",
      version: "1",
      description:
        "Backup and restore for the OIDC provider on Cloudflare. Roles and the second factor: docs/ACCESS.md (x-vaultline-roles, x-vaultline-second-factor on each operation).",
    },
  }) as unknown as { paths: Record<string, Record<string, Record<string, unknown>>>; components?: Record<string, unknown> };
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const access = ACCESS[`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1")}`];
      const roles = access?.roles ?? "public";
      op["x-vaultline-roles"] = roles;
      if (access?.mfa) op["x-vaultline-second-factor"] = access.mfa;
      op.security = roles === "public" ? [] : [{ bearer: [] }];
    }
  }
  doc.components = {
    ...doc.components,
    securitySchemes: {
      bearer: { type: "http", scheme: "bearer", description: "An access token from the provider (JWT) or an API token" },
    },
  };
  return doc;
}
