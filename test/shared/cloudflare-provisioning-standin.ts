// A local, stateful stand-in for the parts of Cloudflare's REST API that `npm run provision` calls: D1 databases,
// R2 buckets and their lock rules, Queues. It keeps what was created, checks the token and account as the real API
// does, pages D1 listings the way the SDK reads them, and records every request so a test can tell what was done.
export interface ProvisioningState {
  databases: { uuid: string; name: string }[];
  buckets: { name: string; location?: string; jurisdiction?: string }[];
  queues: { queue_id: string; queue_name: string }[];
  /** Worker scripts of the account (the provider's, which provision only checks). */
  scripts: string[];
  locks: Record<string, { id: string; prefix?: string; enabled: boolean; condition: unknown }[]>;
  requests: string[];
}

const envelope = (status: number, result: unknown, extra: object = {}, errors: { code: number; message: string }[] = []) =>
  new Response(JSON.stringify({ success: status < 400, errors, messages: [], result, ...extra }), {
    status,
    headers: { "content-type": "application/json" },
  });

export function provisioningStandin(opts: {
  accountId: string;
  apiToken: string;
  basePath: string;
  existing?: Partial<ProvisioningState>;
}) {
  // A copy: tests share their `existing` fixtures, and this state grows.
  const state: ProvisioningState = {
    databases: [],
    buckets: [],
    queues: [],
    scripts: [],
    locks: {},
    requests: [],
    ...structuredClone(opts.existing ?? {}),
  };
  let n = 0;
  const id = () => `00000000-0000-4000-8000-${String(++n).padStart(12, "0")}`;

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname.replace(opts.basePath, "");
    state.requests.push(`${request.method} ${path}`);
    if (request.headers.get("authorization") !== `Bearer ${opts.apiToken}`)
      return envelope(403, null, {}, [{ code: 10000, message: "Authentication error" }]);
    const m = /^\/accounts\/([^/]+)(\/.*)$/.exec(path);
    if (!m || m[1] !== opts.accountId) return envelope(404, null, {}, [{ code: 7003, message: "account not found" }]);
    const rest = m[2]!;
    const body = (request.method === "GET" ? null : await request.json().catch(() => ({}))) as Record<string, any>;

    if (rest === "/d1/database" && request.method === "GET") {
      const page = Number(url.searchParams.get("page") ?? 1);
      const per = Number(url.searchParams.get("per_page") ?? 20);
      const all = state.databases.filter((d) => !url.searchParams.get("name") || d.name === url.searchParams.get("name"));
      return envelope(200, all.slice((page - 1) * per, page * per), {
        result_info: { page, per_page: per, count: all.length, total_count: all.length },
      });
    }
    if (rest === "/d1/database" && request.method === "POST") {
      if (state.databases.some((d) => d.name === body.name))
        return envelope(400, null, {}, [{ code: 7502, message: "database already exists" }]);
      const db = { uuid: id(), name: body.name as string };
      state.databases.push(db);
      return envelope(200, { ...db, created_at: new Date().toISOString() });
    }
    if (rest === "/r2/buckets" && request.method === "GET") {
      // As the real API: one jurisdiction per listing (the header), pages of per_page with an opaque cursor.
      const jurisdiction = request.headers.get("cf-r2-jurisdiction") ?? undefined;
      const all = state.buckets.filter((b) => b.jurisdiction === jurisdiction).sort((a, b) => a.name.localeCompare(b.name));
      const per = Math.min(Number(url.searchParams.get("per_page") ?? 20), 2);
      const from = Number(url.searchParams.get("cursor") ?? 0);
      const page = all.slice(from, from + per);
      return envelope(
        200,
        { buckets: page.map((b) => ({ name: b.name, location: b.location })) },
        { result_info: { per_page: per, ...(from + per < all.length ? { cursor: String(from + per) } : {}) } },
      );
    }
    if (rest === "/workers/scripts" && request.method === "GET")
      return envelope(
        200,
        state.scripts.map((id) => ({ id })),
      );
    if (rest === "/r2/buckets" && request.method === "POST") {
      if (state.buckets.some((b) => b.name === body.name))
        return envelope(409, null, {}, [{ code: 10004, message: "bucket already exists" }]);
      const jurisdiction = request.headers.get("cf-r2-jurisdiction") ?? undefined;
      state.buckets.push({ name: body.name, location: body.locationHint, ...(jurisdiction ? { jurisdiction } : {}) });
      return envelope(200, { name: body.name, location: body.locationHint });
    }
    const lock = /^\/r2\/buckets\/([^/]+)\/lock$/.exec(rest);
    if (lock) {
      if (!state.buckets.some((b) => b.name === lock[1])) return envelope(404, null, {}, [{ code: 10006, message: "bucket not found" }]);
      if (request.method === "PUT") {
        state.locks[lock[1]!] = body.rules ?? [];
        return envelope(200, {});
      }
      return envelope(200, { rules: state.locks[lock[1]!] ?? [] });
    }
    if (rest === "/queues" && request.method === "GET") return envelope(200, state.queues);
    if (rest === "/queues" && request.method === "POST") {
      if (state.queues.some((q) => q.queue_name === body.queue_name))
        return envelope(409, null, {}, [{ code: 11009, message: "queue already exists" }]);
      const q = { queue_id: id().replace(/-/g, ""), queue_name: body.queue_name as string };
      state.queues.push(q);
      return envelope(200, q);
    }
    return envelope(404, null, {}, [{ code: 7000, message: `no route ${request.method} ${rest}` }]);
  }
  return { state, handle };
}
