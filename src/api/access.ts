import type { Role } from "../../schemas/config";

/**
 * Who may call what: every route the Worker serves, with the role it needs (docs/API.md, "Authentication and
 * roles"). `public` needs no token; `demo` exists only with DEMO_MODE (and then needs admin). A route whose access
 * depends on its body names the least role, and the stricter rule in `note`. test/worker/access-matrix.test.ts
 * walks every served route against this table: a route missing here fails it.
 */
export interface Access {
  role: Role | "public" | "demo";
  note?: string;
}

export const ACCESS: Record<string, Access> = {
  "GET /healthz": { role: "public" },
  "POST /admin/backup/create": { role: "operator" },
  "GET /admin/backup/list": { role: "viewer" },
  "GET /admin/backup/restore-points": { role: "viewer" },
  "GET /admin/backup/:id": { role: "viewer" },
  "GET /admin/backup/:id/config": { role: "admin" },
  "GET /admin/config/diff": { role: "admin" },
  "POST /admin/backup/restore": { role: "operator", note: "into production: admin" },
  "GET /admin/restore/:id": { role: "viewer" },
  "GET /admin/restore/:id/events": { role: "viewer" },
  "POST /admin/restore/:id/approve": { role: "approver", note: "never the requester" },
  "POST /admin/restore/:id/reject": { role: "approver", note: "never the requester" },
  "POST /admin/restore/:id/rollback": { role: "admin" },
  "POST /admin/backup/:id/test-restore": { role: "operator" },
  "GET /admin/test-restores": { role: "viewer" },
  "GET /admin/test-restores/:id": { role: "viewer" },
  "POST /admin/capture/install": { role: "admin" },
  "POST /admin/capture/remove": { role: "admin" },
  "GET /admin/capture/status": { role: "viewer" },
  "POST /admin/capture/ship": { role: "operator" },
  "POST /admin/catalog/rebuild": { role: "admin" },
  "POST /admin/demo/seed-sessions": { role: "demo" },
  "GET /admin/demo/sessions": { role: "demo" },
  "POST /admin/demo/write-load": { role: "demo" },
  "POST /admin/demo/seed-assets": { role: "demo" },
  "POST /admin/demo/change": { role: "demo" },
};
