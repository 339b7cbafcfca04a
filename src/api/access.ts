import type { Role } from "../../schemas/config";

/**
 * Who may call what: every route the Worker serves, with the roles that may call it (any one of them; docs/ACCESS.md
 * is this table in prose). `public` needs no token; `demo` exists only with DEMO_MODE (and then needs admin).
 * `mfa`: the call also needs a person signed in with a second factor (a JWT whose `amr` shows one): `always` is
 * checked by the middleware (src/api/app.ts), `production` by the handler because it depends on the body (only a
 * production restore that is not a dry run needs it). A route whose access depends on its body names the least roles, and
 * the stricter rule in `note`. test/worker/access-matrix.test.ts walks every served route against this table: a
 * route missing here fails it, and the middleware refuses it to everyone.
 */
export interface Access {
  roles: Role[] | "public" | "demo";
  mfa?: "always" | "production";
  note?: string;
  /** A read of backup data: audited one entry per call, even when a dashboard polls it (src/audit/views.ts). */
  readsData?: true;
}

export const ACCESS: Record<string, Access> = {
  "GET /healthz": { roles: "public" },
  "GET /openapi.json": { roles: "public" },
  "GET /docs": { roles: "public", note: "the API reference page (Swagger UI): no data; it reads /openapi.json" },
  "GET /docs.js": { roles: "public" },
  "POST /break-glass/restore": {
    roles: "public",
    note: "no token: M custodians' signatures over the request (docs/runbooks/provider-down.md)",
  },
  "GET /": { roles: "public", note: "the dashboard page: no data; it calls /admin/* with the person's token" },
  "GET /dashboard.js": { roles: "public" },
  "GET /dashboard/config": { roles: "public", note: "how the page signs in: the provider's endpoints and public client id" },
  "GET /admin/whoami": { roles: ["viewer", "approver", "auditor", "restore_requester", "operator", "admin"] },
  "POST /admin/backup/create": { roles: ["operator"] },
  "GET /admin/backup/list": { roles: ["viewer"] },
  "GET /admin/backup/restore-points": { roles: ["viewer"] },
  "GET /admin/backup/:id": { roles: ["viewer"] },
  "GET /admin/backup/:id/events": { roles: ["viewer"] },
  "GET /admin/backup/:id/config": { roles: ["admin"], note: "reads backup data: audited as a read", readsData: true },
  "GET /admin/config/diff": { roles: ["admin"], note: "reads backup data: audited as a read", readsData: true },
  "POST /admin/backup/restore": {
    roles: ["operator", "restore_requester"],
    mfa: "production",
    note: "into production: restore_requester (admin includes it) signed in with a second factor",
  },
  "GET /admin/restore/:id": { roles: ["viewer"] },
  "GET /admin/restore/:id/events": { roles: ["viewer"] },
  "POST /admin/restore/:id/approve": { roles: ["approver"], mfa: "always", note: "never the requester; never an API token" },
  "POST /admin/restore/:id/reject": { roles: ["approver"], mfa: "always", note: "never the requester; never an API token" },
  "POST /admin/restore/:id/rollback": { roles: ["admin"], mfa: "always", note: "overwrites production like a restore" },
  "POST /admin/backup/:id/test-restore": { roles: ["operator"] },
  "GET /admin/test-restores": { roles: ["viewer"] },
  "GET /admin/test-restores/:id": { roles: ["viewer"] },
  "POST /admin/capture/install": { roles: ["admin"] },
  "POST /admin/capture/remove": { roles: ["admin"], mfa: "always", note: "asks: a second person approves" },
  "GET /admin/capture/status": { roles: ["viewer"] },
  "POST /admin/capture/ship": { roles: ["operator"] },
  "POST /admin/capture/feeds/ship": { roles: ["operator"] },
  "POST /admin/catalog/rebuild": { roles: ["admin"] },
  "GET /admin/audit": { roles: ["auditor"] },
  "GET /admin/audit/verify": { roles: ["auditor"] },
  "GET /admin/audit/unauthenticated": { roles: ["auditor"] },
  "GET /admin/changes": { roles: ["viewer", "approver", "auditor"] },
  "GET /admin/changes/:id": { roles: ["viewer", "approver", "auditor"] },
  "POST /admin/changes/:id/approve": { roles: ["approver"], mfa: "always", note: "never the requester; never an API token" },
  "POST /admin/changes/:id/reject": { roles: ["approver"], mfa: "always", note: "never the requester; never an API token" },
  "POST /admin/audit/seal": { roles: ["auditor", "admin"] },
  "GET /admin/keys": { roles: ["admin"] },
  "POST /admin/keys/rotate": { roles: ["admin"] },
  "POST /admin/keys/data-key/rotate": { roles: ["admin"], note: "new objects under a new data key; nothing is deleted" },
  "GET /admin/keys/rotations/:id": { roles: ["admin"] },
  "POST /admin/keys/:id/retire": {
    roles: ["admin"],
    mfa: "always",
    note: "asks to delete the key's wraps (irreversible): a second person approves",
  },
  "GET /admin/backup/policies": { roles: ["admin", "auditor"] },
  "PUT /admin/backup/policies": { roles: ["admin"], note: "lowering it needs a second factor and a second person's approval" },
  "POST /admin/backup/retention/preview": { roles: ["admin", "auditor"], note: "changes nothing" },
  "POST /admin/backup/retention/run": { roles: ["admin"] },
  "GET /admin/backup/retention/runs/:id": { roles: ["viewer"] },
  "POST /admin/backup/:id/legal-hold": { roles: ["admin"] },
  "POST /admin/backup/:id/legal-hold/release": { roles: ["admin"], mfa: "always", note: "asks: a second person approves" },
  "POST /admin/legal-holds": { roles: ["admin"] },
  "POST /admin/legal-holds/:id/release": { roles: ["admin"], mfa: "always", note: "asks: a second person approves" },
  "GET /admin/legal-holds": { roles: ["viewer"] },
  "GET /admin/backup/storage": { roles: ["viewer"] },
  "POST /admin/backup/storage/sample": { roles: ["operator"] },
  "POST /admin/repository/check": { roles: ["operator"] },
  "GET /admin/reports/compliance": { roles: ["auditor"] },
  "GET /admin/reports/stored": { roles: ["auditor"] },
  "GET /admin/reports/stored/:name": { roles: ["auditor"] },
  "GET /admin/backup/health": { roles: ["viewer"] },
  "GET /admin/metrics": { roles: ["viewer"] },
  "GET /admin/notifications": { roles: ["viewer"] },
  "POST /admin/notifications/dispatch": { roles: ["operator"] },
  "GET /admin/replication": { roles: ["viewer"] },
  "POST /admin/replication/catch-up": { roles: ["operator"] },
  "GET /admin/replication/runs/:id": { roles: ["viewer"] },
  "POST /admin/scrub": { roles: ["operator"] },
  "GET /admin/scrub/runs/:id": { roles: ["viewer"] },
  "POST /admin/backup/:id/verify": { roles: ["operator"] },
  "GET /admin/repository/checks/:id": { roles: ["viewer"] },
  "GET /admin/provider": { roles: ["viewer"] },
  "POST /admin/demo/seed-sessions": { roles: "demo" },
  "GET /admin/demo/sessions": { roles: "demo" },
  "POST /admin/demo/write-load": { roles: "demo" },
  "POST /admin/demo/seed-assets": { roles: "demo" },
  "POST /admin/demo/change": { roles: "demo" },
  "POST /admin/demo/age-backups": { roles: "demo" },
};
