import { Hono } from "hono";
import { z } from "zod";
import { BackupId } from "../../../schemas/api";
import { HoldId, LegalHoldBody, PolicySet, RangeHoldBody } from "../../../schemas/retention";
import { getBackup } from "../../catalog/backups";
import { ConflictError, NotFoundError, ValidationError } from "../../errors";
import { authConfig } from "../../auth/authenticate";
import { requireMfa } from "../../auth/roles";
import { requestChange, weakenDelayHours, weakens } from "../../changes/two-person";
import { loadBackupFacts } from "../../catalog/retention-facts";
import { placeHold } from "../../retention/holds";
import { getHold, listHolds } from "../../catalog/legal-holds";
import { currentPolicy, setPolicy } from "../../retention/policies";
import { evaluatePolicy } from "../../retention/policy";
import { getRun } from "../../retention/runs";
import { recordStorageSample } from "../../retention/storage";
import { storageReport } from "../../retention/storage-report";
import { startRepositoryCheck, startRetention } from "../../retention/start";
import type { AppEnv } from "../app";
import { jsonBody, parseOrThrow, pathId } from "../validate";
import { getRepositoryCheck } from "../../catalog/repository-checks";

export const PreviewBody = z.strictObject({ policy: PolicySet.optional() });
const RunId = z.string().regex(/^rr_[0-9a-zA-Z_-]{1,80}$/);
const CheckId = z.string().regex(/^ck_[0-9a-zA-Z_-]{1,80}$/);
export const HoldsQuery = z.strictObject({ active: z.enum(["true", "false"]).optional(), backup_id: BackupId.optional() });

/** Retention (docs/RETENTION.md): policies, preview, runs, legal holds, the repository check. */
export function retentionRoutes() {
  const r = new Hono<AppEnv>();

  r.get("/backup/policies", async (c) => c.json(await currentPolicy(c.env)));

  /**
   * Raising (or keeping) what the policy keeps applies at once. Lowering it (a lower floor, fewer kept, a rule
   * changed) needs the requester's second factor and a second person, and applies POLICY_WEAKEN_DELAY_HOURS after
   * the approval. The floor never goes below BACKUP_RETENTION_DAYS, how long the bucket locks hold every object.
   */
  r.put("/backup/policies", async (c) => {
    const policy = parseOrThrow(PolicySet, await jsonBody(c.req.raw));
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
    return c.json(stored);
  });

  r.post("/backup/retention/preview", async (c) => {
    const body = parseOrThrow(PreviewBody, await jsonBody(c.req.raw));
    const stored = await currentPolicy(c.env);
    const policy = body.policy ?? stored.policy;
    const decisions = evaluatePolicy(
      await loadBackupFacts(c.env.CATALOG_DB),
      policy,
      await listHolds(c.env.CATALOG_DB, { active: true }),
      Date.now(),
    );
    return c.json({
      policy_version: body.policy ? "proposed" : stored.version,
      keep: decisions.filter((d) => d.keep).length,
      forget: decisions.filter((d) => !d.keep).length,
      decisions,
    });
  });

  r.post("/backup/retention/run", async (c) => {
    const id = await startRetention(c.env, c.get("principal").subject, "api");
    c.set("auditTarget", id);
    return c.json({ run_id: id, status: "running" }, 202);
  });

  r.get("/backup/retention/runs/:id", async (c) => {
    const id = pathId(c.req.param("id"), RunId, "retention run");
    const run = await getRun(c.env.CATALOG_DB, id);
    if (!run) throw new NotFoundError(`retention run ${id} not found`);
    return c.json(run);
  });

  r.post("/backup/:id/legal-hold", async (c) => {
    const id = pathId(c.req.param("id"), BackupId, "backup");
    c.set("auditTarget", id);
    const body = parseOrThrow(LegalHoldBody, await jsonBody(c.req.raw));
    if (!(await getBackup(c.env.CATALOG_DB, id))) throw new NotFoundError(`backup ${id} not found`);
    return c.json(await placeHold(c.env, { backup_id: id, reason: body.reason, by: c.get("principal").subject }), 201);
  });

  /** Asks to release: a second person approves (POST /admin/changes/{id}/approve), then the holds are released. */
  r.post("/backup/:id/legal-hold/release", async (c) => {
    requireMfa(c.get("principal"), authConfig(c.env), "releasing a legal hold");
    const id = pathId(c.req.param("id"), BackupId, "backup");
    c.set("auditTarget", id);
    const body = parseOrThrow(LegalHoldBody, await jsonBody(c.req.raw));
    const holds = await listHolds(c.env.CATALOG_DB, { active: true, backup_id: id });
    if (holds.length === 0) throw new NotFoundError(`backup ${id} has no active legal hold of its own`);
    const change = await requestChange(c.env, {
      payload: { kind: "hold_release", hold_ids: holds.map((h) => h.id), reason: body.reason },
      target: id,
      summary: `release legal hold(s) ${holds.map((h) => `${h.id} (${h.reason})`).join(", ")} on backup ${id}: ${body.reason}`,
      by: c.get("principal").subject,
    });
    return c.json(change, 202);
  });

  r.post("/legal-holds", async (c) => {
    const body = parseOrThrow(RangeHoldBody, await jsonBody(c.req.raw));
    const hold = await placeHold(c.env, {
      component: body.component,
      from: body.from,
      to: body.to,
      reason: body.reason,
      by: c.get("principal").subject,
    });
    c.set("auditTarget", hold.id);
    return c.json(hold, 201);
  });

  r.post("/legal-holds/:id/release", async (c) => {
    requireMfa(c.get("principal"), authConfig(c.env), "releasing a legal hold");
    const id = pathId(c.req.param("id"), HoldId, "legal hold");
    c.set("auditTarget", id);
    const body = parseOrThrow(LegalHoldBody, await jsonBody(c.req.raw));
    const hold = await getHold(c.env.CATALOG_DB, id);
    if (!hold) throw new NotFoundError(`legal hold ${id} not found`);
    if (hold.released_at) throw new ConflictError(`legal hold ${id} was already released`);
    const change = await requestChange(c.env, {
      payload: { kind: "hold_release", hold_ids: [id], reason: body.reason },
      target: id,
      summary: `release legal hold ${id} (${hold.reason}): ${body.reason}`,
      by: c.get("principal").subject,
    });
    return c.json(change, 202);
  });

  r.get("/legal-holds", async (c) => {
    const q = parseOrThrow(HoldsQuery, c.req.query());
    return c.json({ holds: await listHolds(c.env.CATALOG_DB, { active: q.active === "true", backup_id: q.backup_id }) });
  });

  r.get("/backup/storage", async (c) => c.json(await storageReport(c.env)));

  r.post("/backup/storage/sample", async (c) => {
    await recordStorageSample(c.env);
    return c.json(await storageReport(c.env));
  });

  r.post("/repository/check", async (c) => {
    const id = await startRepositoryCheck(c.env, c.get("principal").subject);
    c.set("auditTarget", id);
    return c.json({ check_id: id, status: "running" }, 202);
  });

  r.get("/repository/checks/:id", async (c) => {
    const id = pathId(c.req.param("id"), CheckId, "repository check");
    const row = await getRepositoryCheck(c.env.CATALOG_DB, id);
    if (!row) throw new NotFoundError(`repository check ${id} not found`);
    return c.json({ ...row, report: row.report ? JSON.parse(row.report) : null });
  });
  return r;
}
