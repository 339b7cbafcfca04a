import { createRoute } from "@hono/zod-openapi";
import {
  CheckStarted,
  Policy,
  RepositoryCheck,
  RetentionPreview,
  RetentionRun,
  RunStarted,
  StorageReport,
} from "../../../schemas/responses";
import { ChangeView } from "../../../schemas/changes";
import { body, ERRORS, idParam, json, routes } from "../openapi";
import { z } from "zod";
import { PolicySet } from "../../../schemas/retention";
import { NotFoundError, ValidationError } from "../../errors";
import { authConfig } from "../../auth/authenticate";
import { requireMfa } from "../../auth/roles";
import { requestChange, weakenDelayHours, weakens } from "../../changes/two-person";
import { loadBackupFacts } from "../../catalog/retention-facts";
import { listHolds } from "../../catalog/legal-holds";
import { currentPolicy, setPolicy } from "../../retention/policies";
import { evaluatePolicy } from "../../retention/policy";
import { getRun } from "../../retention/runs";
import { recordStorageSample } from "../../retention/storage";
import { storageReport } from "../../retention/storage-report";
import { startRepositoryCheck, startRetention } from "../../retention/start";
import { getRepositoryCheck } from "../../catalog/repository-checks";

export const PreviewBody = z.strictObject({ policy: PolicySet.optional() });
const RunId = z.string().regex(/^rr_[0-9a-zA-Z_-]{1,80}$/);
const CheckId = z.string().regex(/^ck_[0-9a-zA-Z_-]{1,80}$/);

/** Retention (docs/RETENTION.md): policies, preview, runs, storage, the repository check (legal holds: legal-holds.ts). */
export function retentionRoutes() {
  const r = routes();

  r.openapi(
    createRoute({
      method: "get",
      path: "/backup/policies",
      summary: "The retention policy in force",
      responses: { 200: json(Policy, "The policy and its version"), ...ERRORS },
    }),
    async (c) => c.json(await currentPolicy(c.env), 200),
  );

  /**
   * Raising (or keeping) what the policy keeps applies at once. Lowering it (a lower floor, fewer kept, a rule
   * changed) needs the requester's second factor and a second person, and applies POLICY_WEAKEN_DELAY_HOURS after
   * the approval. The floor never goes below BACKUP_RETENTION_DAYS, how long the bucket locks hold every object.
   */
  r.openapi(
    createRoute({
      method: "put",
      path: "/backup/policies",
      summary: "Set the retention policy (raising applies at once; lowering is a change request)",
      request: { body: body(PolicySet) },
      responses: { 200: json(Policy, "Applied"), 202: json(ChangeView, "Lowering: a change request"), ...ERRORS },
    }),
    async (c) => {
      const policy = c.req.valid("json");
      const floor = Number(c.env.BACKUP_RETENTION_DAYS || 30);
      if (policy.min_retention_days < floor)
        throw new ValidationError(
          `min_retention_days ${policy.min_retention_days} is below BACKUP_RETENTION_DAYS (${floor}), the floor the bucket locks hold`,
          "min_retention_days",
        );
      const principal = c.get("principal");
      const weaker = weakens((await currentPolicy(c.env)).policy, policy);
      if (weaker) {
        requireMfa(principal, authConfig(c.env), "lowering the retention policy");
        const change = await requestChange(c.env, {
          payload: { kind: "policy", policy },
          target: "retention",
          summary: `lower the retention policy (${weaker}); applies ${weakenDelayHours(c.env)} h after approval`,
          by: principal.subject,
        });
        c.set("auditTarget", change.change_id);
        return c.json(change, 202);
      }
      const stored = await setPolicy(c.env, policy, principal.subject);
      c.set("auditTarget", `retention v${stored.version}`);
      return c.json(stored, 200);
    },
  );

  r.openapi(
    createRoute({
      method: "post",
      path: "/backup/retention/preview",
      summary: "What a policy keeps and forgets, and why",
      request: { body: body(PreviewBody) },
      responses: { 200: json(RetentionPreview, "Decisions"), ...ERRORS },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const stored = await currentPolicy(c.env);
      const policy = body.policy ?? stored.policy;
      const decisions = evaluatePolicy(
        await loadBackupFacts(c.env.CATALOG_DB),
        policy,
        await listHolds(c.env.CATALOG_DB, { active: true }),
        Date.now(),
      );
      return c.json(
        {
          policy_version: body.policy ? ("proposed" as const) : stored.version,
          keep: decisions.filter((d) => d.keep).length,
          forget: decisions.filter((d) => !d.keep).length,
          decisions,
        },
        200,
      );
    },
  );

  r.openapi(
    createRoute({
      method: "post",
      path: "/backup/retention/run",
      summary: "Run retention now",
      responses: { 202: json(RunStarted, "Started"), ...ERRORS },
    }),
    async (c) => {
      const id = await startRetention(c.env, c.get("principal").subject, "api");
      c.set("auditTarget", id);
      return c.json({ run_id: id, status: "running" as const }, 202);
    },
  );

  r.openapi(
    createRoute({
      method: "get",
      path: "/backup/retention/runs/{id}",
      summary: "A retention run's report",
      request: { params: idParam(RunId, "retention run") },
      responses: { 200: json(RetentionRun, "The run"), ...ERRORS },
    }),
    async (c) => {
      const id = c.req.valid("param").id;
      const run = await getRun(c.env.CATALOG_DB, id);
      if (!run) throw new NotFoundError(`retention run ${id} not found`);
      return c.json(run, 200);
    },
  );

  r.openapi(
    createRoute({
      method: "get",
      path: "/backup/storage",
      summary: "Storage by area and tier, cost, dedup, forecast",
      responses: { 200: json(StorageReport, "Storage"), ...ERRORS },
    }),
    async (c) => c.json(await storageReport(c.env), 200),
  );

  r.openapi(
    createRoute({
      method: "post",
      path: "/backup/storage/sample",
      summary: "Take a storage sample now",
      responses: { 200: json(StorageReport, "Storage"), ...ERRORS },
    }),
    async (c) => {
      await recordStorageSample(c.env);
      return c.json(await storageReport(c.env), 200);
    },
  );

  r.openapi(
    createRoute({
      method: "post",
      path: "/repository/check",
      summary: "Check the repository's consistency",
      responses: { 202: json(CheckStarted, "Started"), ...ERRORS },
    }),
    async (c) => {
      const id = await startRepositoryCheck(c.env, c.get("principal").subject);
      c.set("auditTarget", id);
      return c.json({ check_id: id, status: "running" as const }, 202);
    },
  );

  r.openapi(
    createRoute({
      method: "get",
      path: "/repository/checks/{id}",
      summary: "A repository check or backup verification",
      request: { params: idParam(CheckId, "repository check") },
      responses: { 200: json(RepositoryCheck, "The check"), ...ERRORS },
    }),
    async (c) => {
      const id = c.req.valid("param").id;
      const row = await getRepositoryCheck(c.env.CATALOG_DB, id);
      if (!row) throw new NotFoundError(`repository check ${id} not found`);
      return c.json({ ...row, report: row.report ? JSON.parse(row.report) : null }, 200);
    },
  );
  return r;
}
