import { describe, expect, it } from "vitest";
import { createApp } from "../../src/api/app";
import { createRoute, z } from "@hono/zod-openapi";
import { body, json } from "../../src/api/openapi";
import { api, env, waitFor } from "./helpers";

const served = () =>
  [
    ...new Set(
      createApp()
        .routes.filter((r) => r.method !== "ALL")
        .map((r) => `${r.method} ${r.path}`),
    ),
  ].sort();

describe("GET /openapi.json", () => {
  it("documents every route the Worker serves, with the schemas its handler validates, roles and the second factor", async () => {
    const r = await api("GET", "/openapi.json", { as: null });
    expect(r.status).toBe(200);
    const doc = r.json;
    expect(doc.openapi).toBe("3.1.0");
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1")}`))
      .sort();
    expect(documented).toEqual(served());
    const restore = doc.paths["/admin/backup/restore"].post;
    expect(restore["x-vaultline-second-factor"]).toBe("production");
    expect(restore.requestBody.content["application/json"].schema.properties).toHaveProperty("target_timestamp");
    expect(restore.responses).toHaveProperty("413");
    expect(doc.paths["/admin/restore/{id}/approve"].post.parameters).toEqual([
      expect.objectContaining({ name: "id", in: "path", required: true, schema: expect.objectContaining({ type: "string" }) }),
    ]);
    const list = doc.paths["/admin/backup/list"].get.parameters.map((p: any) => p.name);
    expect(list).toEqual(expect.arrayContaining(["limit", "page", "type", "status", "component"]));
    expect(doc.paths["/healthz"].get.security).toEqual([]);
  });

  it("the documented body schema is the one enforced: an unknown field the document does not allow is refused", async () => {
    const doc = (await api("GET", "/openapi.json", { as: null })).json;
    const body = doc.paths["/admin/backup/create"].post.requestBody.content["application/json"].schema;
    expect(body.additionalProperties).toBe(false);
    const r = await api("POST", "/admin/backup/create", { body: { type: "config", not_in_the_document: 1 } });
    expect(r.status).toBe(400);
  });
});

describe("every route documents its request and its answers", () => {
  it("each operation has a summary, a documented success answer with a content schema, the error answers, and a body schema when it takes one", async () => {
    const doc = (await api("GET", "/openapi.json", { as: null })).json;
    const problems: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      for (const [method, op] of Object.entries(ops)) {
        const name = `${method.toUpperCase()} ${path}`;
        if (!op.summary) problems.push(`${name}: no summary`);
        const ok = Object.entries(op.responses as Record<string, any>).filter(([s]) => s.startsWith("2"));
        if (ok.length === 0) problems.push(`${name}: no success answer`);
        for (const [status, r] of ok)
          if (!r.content || Object.keys(r.content).length === 0) problems.push(`${name} ${status}: no content schema`);
        if (path.startsWith("/admin/") && !op.responses["400"]?.content) problems.push(`${name}: the error answer is not documented`);
        if (method === "put" && !op.requestBody) problems.push(`${name}: no body schema`);
      }
    }
    expect(problems).toEqual([]);
    // The routes that read a body declare it (and the library validates it before the handler runs).
    for (const [path, method] of [
      ["/admin/backup/create", "post"],
      ["/admin/backup/restore", "post"],
      ["/admin/restore/{id}/approve", "post"],
      ["/admin/backup/policies", "put"],
      ["/admin/legal-holds", "post"],
      ["/break-glass/restore", "post"],
    ] as const)
      expect(doc.paths[path][method].requestBody.content["application/json"].schema, `${method} ${path}`).toBeTruthy();
  });

  it("/docs renders the document with Swagger UI, its assets pinned with Subresource Integrity and no inline script", async () => {
    const { exports } = await import("cloudflare:workers");
    const res = await (exports as any).default.fetch(new Request("http://vaultline.test/docs"));
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toMatch(
      /<script src="https:\/\/cdn\.jsdelivr\.net\/npm\/swagger-ui-dist@5\.35\.0\/swagger-ui-bundle\.js" integrity="sha384-[A-Za-z0-9+/=]{64}" crossorigin="anonymous">/,
    );
    expect(page).toMatch(/<link rel="stylesheet" href="[^"]+swagger-ui\.css" integrity="sha384-/);
    expect(page).not.toMatch(/<script>/);
    expect(res.headers.get("content-security-policy")).toMatch(/script-src 'self' https:\/\/cdn\.jsdelivr\.net;/);
    const js = await (await (exports as any).default.fetch(new Request("http://vaultline.test/docs.js"))).text();
    expect(js).toContain('url: "/openapi.json"');
  });
});

describe("the library's own refusals", () => {
  it("keep the API's error shape: a body of a type a route does not take is 415 unsupported_media_type", async () => {
    const app = createApp();
    app.openapi(
      createRoute({
        method: "post",
        path: "/typed",
        request: { body: body(z.object({ a: z.number() })) },
        responses: { 200: json(z.object({ ok: z.boolean() }), "ok") },
      }),
      (c) => c.json({ ok: true }, 200),
    );
    const res = await app.request("/typed", { method: "POST", headers: { "content-type": "text/plain" }, body: "a=1" }, env);
    expect(res.status).toBe(415);
    expect(await res.json()).toEqual({ error: { code: "unsupported_media_type", message: "Unsupported Media Type" } });
  });
});

describe("documented answers", () => {
  it("the routes whose answers are documented answer exactly that shape, no field more or less", async () => {
    const { BackupCreated, BackupList, Healthz, ProviderStatus, TestRestoreStarted, Whoami } = await import("../../schemas/responses");
    const exact = (schema: { parse(v: unknown): unknown }, json: unknown) => expect(schema.parse(json)).toEqual(json);
    const doc = (await api("GET", "/openapi.json", { as: null })).json;
    expect(doc.paths["/admin/backup/create"].post.responses["202"].content["application/json"].schema.properties).toHaveProperty(
      "estimated_duration",
    );
    exact(Healthz, (await api("GET", "/healthz", { as: null })).json);
    exact(Whoami, (await api("GET", "/admin/whoami", { as: "alice" })).json);
    exact(ProviderStatus, (await api("GET", "/admin/provider", { as: "viewer" })).json);
    const created = await api("POST", "/admin/backup/create", { body: { type: "config" } });
    expect(created.status).toBe(202);
    exact(BackupCreated, created.json);
    const b = await waitFor(
      async () => (await api("GET", `/admin/backup/${created.json.backup_id}`)).json,
      (x) => x.status === "completed" || x.status === "failed",
    );
    expect(b.status).toBe("completed");
    exact(BackupList, (await api("GET", "/admin/backup/list")).json);
    const drill = await api("POST", `/admin/backup/${created.json.backup_id}/test-restore`, { as: "operator" });
    expect(drill.status).toBe(202);
    exact(TestRestoreStarted, drill.json);
    await waitFor(
      async () => (await api("GET", `/admin/test-restores/${drill.json.test_id}`)).json,
      (r) => r.status !== "running",
    );
  });
});
