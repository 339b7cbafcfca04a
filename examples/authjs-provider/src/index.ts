import type { AuthEnv } from "./session-store";

export { SessionStore } from "./session-store";

/**
 * The Auth.js-style example provider's Worker. Its sign-in flows are out of scope here: it exists so Vaultline can
 * be adopted against a provider shaped unlike the demo (docs/ADOPTING.md), with its database, its bucket and its
 * session Durable Object bound by Vaultline exactly as an operator's own would be.
 */
export default {
  async fetch(request: Request, env: AuthEnv): Promise<Response> {
    const url = new URL(request.url);
    if (request.method === "GET" && url.pathname === "/healthz") {
      const users = await env.DB.prepare(`SELECT count(*) AS n FROM "users"`).first<number>("n");
      return Response.json({ ok: true, users });
    }
    return Response.json({ error: { code: "not_found", message: `no route ${request.method} ${url.pathname}` } }, { status: 404 });
  },
} satisfies ExportedHandler<AuthEnv>;
