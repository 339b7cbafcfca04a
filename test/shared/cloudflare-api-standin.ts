// A local stand-in for the parts of Cloudflare's REST API that Vaultline calls, for the tests (miniflare's
// outboundService routes the Worker's outbound fetches here). It checks what the real API checks that matters to
// us (the bearer token, the path) and answers in the API's envelope. Bookmarks are derived from the request, so a
// test can tell that the right database, account and instant were asked for.
export const STANDIN = {
  accountId: "0123456789abcdef0123456789abcdef",
  apiToken: "test-cloudflare-api-token",
  databaseId: "00000000-0000-4000-8000-000000000001",
  baseURL: "https://api.cloudflare.test/client/v4",
} as const;

export function standinBookmark(databaseId: string, timestamp: string): string {
  return `standin-${databaseId.slice(-4)}-${Date.parse(timestamp).toString(16)}`;
}

const envelope = (status: number, result: unknown, errors: { code: number; message: string }[] = []) =>
  new Response(JSON.stringify({ success: status < 400, errors, messages: [], result }), {
    status,
    headers: { "content-type": "application/json" },
  });

export async function cloudflareApiStandin(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (!url.href.startsWith(STANDIN.baseURL)) return new Response(`no outbound network in tests: ${url.host}`, { status: 502 });
  if (request.headers.get("authorization") !== `Bearer ${STANDIN.apiToken}`)
    return envelope(403, null, [{ code: 10000, message: "Authentication error" }]);
  const path = url.pathname.replace(new URL(STANDIN.baseURL).pathname, "");
  const bookmark = /^\/accounts\/([^/]+)\/d1\/database\/([^/]+)\/time_travel\/bookmark$/.exec(path);
  if (bookmark && request.method === "GET") {
    if (bookmark[1] !== STANDIN.accountId || bookmark[2] !== STANDIN.databaseId)
      return envelope(404, null, [{ code: 7404, message: "database not found" }]);
    const timestamp = url.searchParams.get("timestamp") ?? new Date().toISOString();
    return envelope(200, { bookmark: standinBookmark(bookmark[2]!, timestamp) });
  }
  return envelope(404, null, [{ code: 7000, message: `no route ${request.method} ${path}` }]);
}
