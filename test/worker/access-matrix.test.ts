import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/api/app";
import { ACCESS } from "../../src/api/access";
import { TEST_PEOPLE, TEST_TOKENS } from "../tokens";
import { credential, env, type Who } from "./helpers";
import { assertNoSecretIn } from "./secrets";

/** What each role grants, as docs/ACCESS.md documents it (written out here, not computed by the code under test). */
const GRANTS: Record<string, string[]> = {
  viewer: ["viewer"],
  operator: ["operator", "viewer"],
  restore_requester: ["restore_requester", "viewer"],
  admin: ["admin", "operator", "restore_requester", "viewer"],
  approver: ["approver", "viewer"],
  auditor: ["auditor", "viewer"],
};

const FACTORS = ["mfa", "otp", "hwk", "swk"];

function served(): string[] {
  // Handlers, not the /admin/* middleware.
  return [
    ...new Set(
      createApp()
        .routes.filter((r) => r.method !== "ALL")
        .map((r) => `${r.method} ${r.path}`),
    ),
  ].sort();
}

async function call(route: string, who: Who | null) {
  const [method, path] = route.split(" ") as [string, string];
  const url = path.replace(
    ":id",
    path.includes("restore/")
      ? "rs_20260101T000000Z_00000000"
      : path.includes("test-restores/")
        ? "tr_20260101T000000Z_00000000"
        : "bk_20260101T000000Z_00000000",
  );
  const res = await (exports as any).default.fetch(
    new Request(`http://vaultline.test${url}`, {
      method,
      headers: { "content-type": "application/json", ...(who ? { authorization: `Bearer ${await credential(who)}` } : {}) },
      body: method === "GET" ? undefined : "{}",
    }),
  );
  const text = await res.text();
  await assertNoSecretIn(text, `response to ${route}`);
  const json = (res.headers.get("content-type") ?? "").includes("json");
  const body = (json && text ? JSON.parse(text) : null) as { error?: { code: string } } | null;
  return { status: res.status as number, code: body?.error?.code };
}

/** Every caller the suite has: each API token, and each person signing in with a JWT (with or without a second factor). */
const CALLERS = [
  ...Object.entries(TEST_TOKENS).map(([who, t]) => ({ who: who as Who, roles: t.roles as readonly string[], mfa: false })),
  ...Object.entries(TEST_PEOPLE).map(([who, p]) => ({
    who: who as Who,
    roles: p.roles as readonly string[],
    mfa: p.amr.some((m) => FACTORS.includes(m)),
  })),
];

describe("access matrix", () => {
  it("names every route the Worker serves, and nothing it does not serve", () => {
    expect(served()).toEqual(Object.keys(ACCESS).sort());
  });

  it("every route answers every caller as the matrix says: 401 without a token, 403 without the role or the second factor, never 401/403 with both", async () => {
    const mismatches: string[] = [];
    for (const route of served()) {
      const access = ACCESS[route]!;
      if (access.roles === "public") {
        const s = (await call(route, null)).status;
        if (s === 401 || s === 403) mismatches.push(`${route} without a token: ${s}`);
        continue;
      }
      const anonymous = (await call(route, null)).status;
      if (anonymous !== 401) mismatches.push(`${route} without a token: ${anonymous}, want 401`);
      for (const c of CALLERS) {
        const { status, code } = await call(route, c.who);
        const granted = c.roles.flatMap((r) => GRANTS[r]!);
        let want: string;
        // Demo routes do not exist unless DEMO_MODE is on (it is off here, as in production): 404 for everyone.
        if (access.roles === "demo") want = "404";
        else if (!access.roles.some((r) => granted.includes(r))) want = "403";
        else if (access.mfa === "always" && !c.mfa) want = "403 mfa_required";
        else want = "not 401/403";
        const ok =
          want === "404"
            ? status === 404
            : want === "403"
              ? status === 403 && code === "forbidden"
              : want === "403 mfa_required"
                ? status === 403 && code === "mfa_required"
                : status !== 401 && status !== 403;
        if (!ok) mismatches.push(`${route} as ${c.who}: ${status} ${code ?? ""}, want ${want}`);
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
