import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/api/app";
import { ACCESS } from "../../src/api/access";
import { TEST_TOKENS } from "../tokens";
import { env } from "./helpers";

/** What each test token's roles grant, as src/api/auth.ts expands them. */
const GRANTS: Record<string, string[]> = {
  viewer: ["viewer"],
  operator: ["operator", "viewer"],
  admin: ["admin", "operator", "viewer"],
  approver: ["approver", "viewer"],
};

function served(): string[] {
  // Handlers, not the /admin/* middleware.
  return [...new Set(createApp().routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${r.path}`))].sort();
}

async function call(route: string, who: keyof typeof TEST_TOKENS | null) {
  const [method, path] = route.split(" ") as [string, string];
  const url = path.replace(":id", path.includes("restore/") ? "rs_20260101T000000Z_00000000" : path.includes("test-restores/") ? "tr_20260101T000000Z_00000000" : "bk_20260101T000000Z_00000000");
  const res = await (exports as any).default.fetch(
    new Request(`http://vaultline.test${url}`, {
      method,
      headers: { "content-type": "application/json", ...(who ? { authorization: `Bearer ${TEST_TOKENS[who].token}` } : {}) },
      body: method === "GET" ? undefined : "{}",
    }),
  );
  await res.body?.cancel();
  return res.status as number;
}

describe("access matrix", () => {
  it("names every route the Worker serves, and nothing it does not serve", () => {
    expect(served()).toEqual(Object.keys(ACCESS).sort());
  });

  it("every route answers each role as the matrix says: 401 without a token, 403 without the role, never 403 with it", async () => {
    const mismatches: string[] = [];
    for (const route of served()) {
      const access = ACCESS[route]!;
      if (access.role === "public") {
        const s = await call(route, null);
        if (s === 401 || s === 403) mismatches.push(`${route} without a token: ${s}`);
        continue;
      }
      const anonymous = await call(route, null);
      if (anonymous !== 401) mismatches.push(`${route} without a token: ${anonymous}, want 401`);
      for (const who of ["viewer", "operator", "admin", "approver"] as const) {
        const s = await call(route, who);
        // Demo routes do not exist unless DEMO_MODE is on (it is off here, as in production): 404 for everyone.
        const want = access.role === "demo" ? "404" : GRANTS[who]!.includes(access.role) ? "not 401/403" : "403";
        const ok = want === "404" ? s === 404 : want === "403" ? s === 403 : s !== 401 && s !== 403;
        if (!ok) mismatches.push(`${route} as ${who}: ${s}, want ${want}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it("denies by default: a route added without a matrix entry is refused to everyone, admin included", async () => {
    const app = createApp();
    app.get("/admin/unlisted", (c) => c.json({ leaked: true }));
    const res = await app.request("/admin/unlisted", { headers: { authorization: `Bearer ${TEST_TOKENS.admin.token}` } }, env);
    expect(res.status).toBe(403);
    expect(((await res.json()) as any).error.message).toBe("GET /admin/unlisted has no access rule: denied by default");
  });
});
