import { DecisionBody } from "../../schemas/api";
import { z } from "zod";
import { CreateBackupBody, ListBackupsQuery, RestoreBody } from "../../schemas/api";
import { AuditQuery } from "../../schemas/audit";
import { ComplianceQuery } from "../../schemas/reports";
import { LegalHoldBody, PolicySet, RangeHoldBody } from "../../schemas/retention";
import { ListTestRestoresQuery } from "../../schemas/test-restore";
import { ACCESS } from "./access";
import { VerifyQuery, UnauthenticatedQuery } from "./routes/audit";
import { ListChangesQuery } from "../../schemas/changes";
import { BreakGlassSubmission } from "../../schemas/break-glass";
import { DiffQuery } from "./routes/config";
import { AgeBody } from "./routes/demo";
import { MetricsQuery } from "./routes/health";
import { ScrubBody } from "./routes/replication";
import { HoldsQuery, PreviewBody } from "./routes/retention";
import { MAX_BODY_BYTES } from "./validate";
import { BackupCreated, BackupList, Healthz, ProviderStatus, TestRestoreStarted, Whoami } from "../../schemas/responses";

interface RouteDoc {
  summary: string;
  /** The zod schema the handler validates its body with (the same object). */
  body?: z.ZodType;
  query?: z.ZodType;
  /** The success status (202 for what starts a workflow). */
  status?: number;
  /** The schema of the success answer (schemas/responses.ts), where documented. */
  response?: z.ZodType;
}

/**
 * What each route does and the schemas that validate its input: the handlers import the same schema objects, so this
 * document cannot describe another shape than the one enforced. test/worker/openapi.test.ts checks that every route
 * the Worker serves is here.
 */
export const ROUTE_DOCS: Record<string, RouteDoc> = {
  "GET /healthz": { summary: "Liveness: the Worker answers", response: Healthz },
  "GET /openapi.json": { summary: "This document" },
  "GET /": { summary: "The dashboard (a page; its data comes from /admin/*)" },
  "GET /dashboard.js": { summary: "The dashboard's script" },
  "GET /admin/whoami": { summary: "Who the credential is: subject, roles, whether a second factor was shown", response: Whoami },
  "POST /admin/backup/create": { summary: "Start a backup", body: CreateBackupBody, status: 202, response: BackupCreated },
  "GET /admin/backup/list": { summary: "Backups, filtered and paged", query: ListBackupsQuery, response: BackupList },
  "GET /admin/backup/restore-points": { summary: "Instants a point-in-time restore can reach" },
  "GET /admin/backup/:id": { summary: "A backup: status, progress, manifest summary" },
  "GET /admin/backup/:id/events": { summary: "A backup's progress as Server-Sent Events" },
  "GET /admin/backup/:id/config": { summary: "A configuration backup's content" },
  "GET /admin/config/diff": { summary: "Differences between two configuration backups", query: DiffQuery },
  "POST /admin/backup/restore": {
    summary: "Start a restore (or a dry run): a backup or an instant, whole or scoped",
    body: RestoreBody,
    status: 202,
  },
  "GET /admin/restore/:id": { summary: "A restore: stage, progress, log, approval" },
  "GET /admin/restore/:id/events": { summary: "A restore's progress as Server-Sent Events" },
  "POST /admin/restore/:id/approve": { summary: "Approve a production restore (a second person, second factor)", body: DecisionBody },
  "POST /admin/restore/:id/reject": { summary: "Reject a production restore", body: DecisionBody },
  "POST /admin/restore/:id/rollback": { summary: "Roll a production restore back to its safety snapshot", status: 202 },
  "POST /admin/backup/:id/test-restore": {
    summary: "Start a test restore (drill) of a backup into the sandbox",
    status: 202,
    response: TestRestoreStarted,
  },
  "GET /admin/test-restores": { summary: "Test restores and their reports", query: ListTestRestoresQuery },
  "GET /admin/test-restores/:id": { summary: "A test restore's report" },
  "POST /admin/capture/install": { summary: "Install or upgrade change capture" },
  "POST /admin/capture/remove": { summary: "Remove change capture" },
  "GET /admin/capture/status": { summary: "Change capture: tables, shipping, coverage, breaks" },
  "POST /admin/capture/ship": { summary: "Ship the change log now" },
  "POST /admin/catalog/rebuild": { summary: "Rebuild the catalog from the bucket" },
  "GET /admin/audit": { summary: "The audit trail, filtered, newest first", query: AuditQuery },
  "GET /admin/audit/verify": { summary: "Walk the hash chain and the sealed copies", query: VerifyQuery },
  "POST /break-glass/restore": {
    summary: "Start a production restore with M custodians' signatures (the provider is down)",
    body: BreakGlassSubmission,
    status: 202,
  },
  "GET /admin/reports/stored": { summary: "Compliance reports the schedule stored in the repository" },
  "GET /admin/reports/stored/:name": { summary: "One stored compliance report" },
  "GET /admin/changes": { summary: "Destructive changes waiting for, or decided by, a second person", query: ListChangesQuery },
  "GET /admin/changes/:id": { summary: "A change request" },
  "POST /admin/changes/:id/approve": { summary: "Approve a destructive change (a second person, second factor)", body: DecisionBody },
  "POST /admin/changes/:id/reject": { summary: "Reject a destructive change", body: DecisionBody },
  "GET /admin/audit/unauthenticated": {
    summary: "Requests that failed authentication, per source and minute",
    query: UnauthenticatedQuery,
  },
  "POST /admin/audit/seal": { summary: "Seal new audit entries to the bucket now" },
  "GET /admin/keys": { summary: "Master keys, data keys, what needs what" },
  "POST /admin/keys/rotate": { summary: "Re-wrap every data key under the current master key", status: 202 },
  "POST /admin/keys/data-key/rotate": { summary: "A new data key for everything written from now on" },
  "GET /admin/keys/rotations/:id": { summary: "A key rotation and its report" },
  "POST /admin/keys/:id/retire": { summary: "Delete an old master key's wraps (second factor)" },
  "GET /admin/backup/policies": { summary: "The retention policy in force" },
  "PUT /admin/backup/policies": { summary: "Set the retention policy (a new version)", body: PolicySet },
  "POST /admin/backup/retention/preview": { summary: "What a policy keeps and forgets, and why", body: PreviewBody },
  "POST /admin/backup/retention/run": { summary: "Run retention now", status: 202 },
  "GET /admin/backup/retention/runs/:id": { summary: "A retention run's report" },
  "POST /admin/backup/:id/legal-hold": { summary: "Place a legal hold on a backup", body: LegalHoldBody, status: 201 },
  "POST /admin/backup/:id/legal-hold/release": { summary: "Release a backup's legal holds", body: LegalHoldBody },
  "POST /admin/legal-holds": { summary: "Hold backups of a component within a date range", body: RangeHoldBody, status: 201 },
  "POST /admin/legal-holds/:id/release": { summary: "Release a legal hold", body: LegalHoldBody },
  "GET /admin/legal-holds": { summary: "Legal holds", query: HoldsQuery },
  "GET /admin/backup/storage": { summary: "Storage by area and tier, cost, dedup, forecast" },
  "POST /admin/backup/storage/sample": { summary: "Take a storage sample now" },
  "POST /admin/repository/check": { summary: "Check the repository's consistency", status: 202 },
  "GET /admin/repository/checks/:id": { summary: "A repository check or backup verification" },
  "GET /admin/reports/compliance": { summary: "The compliance report (json, csv or html)", query: ComplianceQuery },
  "GET /admin/backup/health": { summary: "Health: rates, last successes, RPO, storage, problems and what to do" },
  "GET /admin/metrics": { summary: "Backup, restore and drill metrics per day", query: MetricsQuery },
  "GET /admin/notifications": { summary: "Alerts, notification destinations, dead letters" },
  "POST /admin/notifications/dispatch": { summary: "Evaluate alerts and send pending notifications now" },
  "GET /admin/replication": { summary: "Replication and scrub state" },
  "POST /admin/replication/catch-up": { summary: "Copy what the replica lacks", status: 202 },
  "GET /admin/replication/runs/:id": { summary: "A catch-up run" },
  "POST /admin/scrub": { summary: "Scrub the next slice of both copies", body: ScrubBody, status: 202 },
  "GET /admin/scrub/runs/:id": { summary: "A scrub run's report" },
  "POST /admin/backup/:id/verify": { summary: "Verify every object of a backup, in both copies", status: 202 },
  "GET /admin/provider": { summary: "The provider profile, checked against the live database", response: ProviderStatus },
  "POST /admin/demo/seed-sessions": { summary: "Demo only: the demo provider seeds Durable Object sessions" },
  "GET /admin/demo/sessions": { summary: "Demo only: how many session objects the demo provider has" },
  "POST /admin/demo/write-load": { summary: "Demo only: the demo provider's sign-in traffic" },
  "POST /admin/demo/seed-assets": { summary: "Demo only: the demo provider seeds files" },
  "POST /admin/demo/change": { summary: "Demo only: the demo provider changes a share of its rows" },
  "POST /admin/demo/age-backups": { summary: "Demo only: space backups a day apart", body: AgeBody },
};

const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;

/** The OpenAPI 3.1 document, built from ROUTE_DOCS and the access matrix (roles, second factor) at request time. */
export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [route, doc] of Object.entries(ROUTE_DOCS)) {
    const [method, path] = route.split(" ") as [string, string];
    const access = ACCESS[route];
    const openPath = path.replace(/:(\w+)/g, "{$1}");
    const params: unknown[] = [...path.matchAll(/:(\w+)/g)].map((m) => ({
      name: m[1],
      in: "path",
      required: true,
      schema: { type: "string" },
    }));
    if (doc.query) {
      const q = schema(doc.query) as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, s] of Object.entries(q.properties ?? {}))
        params.push({ name, in: "query", required: q.required?.includes(name) ?? false, schema: s });
    }
    const roles = access?.roles;
    paths[openPath] ??= {};
    paths[openPath]![method.toLowerCase()] = {
      summary: doc.summary,
      ...(roles === "public" || !access ? { security: [] } : { security: [{ bearer: [] }] }),
      "x-vaultline-roles": roles ?? "public",
      ...(access?.mfa ? { "x-vaultline-second-factor": access.mfa } : {}),
      ...(params.length ? { parameters: params } : {}),
      ...(doc.body ? { requestBody: { required: true, content: { "application/json": { schema: schema(doc.body) } } } } : {}),
      responses: {
        [String(doc.status ?? 200)]: {
          description: "OK",
          ...(doc.response
            ? { content: { "application/json": { schema: z.toJSONSchema(doc.response, { io: "output", unrepresentable: "any" }) } } }
            : {}),
        },
        "400": {
          description: "invalid_request: names the field",
          content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
        },
        ...(roles === "public" ? {} : { "401": { description: "unauthorized" }, "403": { description: "forbidden or mfa_required" } }),
        "404": { description: "not_found" },
        ...(doc.body ? { "413": { description: `payload_too_large: over ${MAX_BODY_BYTES} bytes` } } : {}),
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Vaultline admin API",
      version: "1",
      description: "Backup and restore for the OIDC provider on Cloudflare. Roles and the second factor: docs/ACCESS.md.",
    },
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "An access token from the provider (JWT) or an API token" },
      },
      schemas: {
        Error: {
          type: "object",
          properties: {
            error: {
              type: "object",
              properties: { code: { type: "string" }, message: { type: "string" }, field: { type: "string" } },
              required: ["code", "message"],
            },
          },
        },
      },
    },
    paths,
  };
}
