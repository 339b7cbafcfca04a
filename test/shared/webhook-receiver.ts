// A webhook receiver outside the Worker (miniflare's outboundService routes its fetches here), as a customer would
// write one: it checks the HMAC signature over timestamp and body, refuses stale timestamps and replayed event ids,
// and records what it accepted. Paths choose its behaviour: /ok accepts; /flaky-N fails each event's first N
// deliveries; /down always fails. GET /_received lists what was accepted, GET /_attempts every delivery attempt per
// path and event; POST /_reset forgets everything.
import { createHmac, timingSafeEqual } from "node:crypto";

export const HOOKS = { base: "https://hooks.vaultline.test", secret: "test-webhook-signing-secret-9c1e" } as const;

let received: { path: string; event: any; attempt: number }[] = [];
let seen = new Set<string>();
let attempts = new Map<string, number>();

const json = (status: number, v: unknown) => new Response(JSON.stringify(v), { status, headers: { "content-type": "application/json" } });

export async function webhookReceiver(request: Request): Promise<Response | null> {
  const url = new URL(request.url);
  if (url.origin !== HOOKS.base) return null;
  if (url.pathname === "/_received") return json(200, received);
  if (url.pathname === "/_attempts") return json(200, Object.fromEntries(attempts));
  if (url.pathname === "/_reset") {
    received = [];
    seen = new Set();
    attempts = new Map();
    return json(200, { ok: true });
  }
  const body = await request.text();
  const id = request.headers.get("x-vaultline-event-id") ?? "";
  const n = (attempts.get(`${url.pathname} ${id}`) ?? 0) + 1;
  attempts.set(`${url.pathname} ${id}`, n);
  if (url.pathname === "/down") return json(503, { error: "down" });
  const flaky = /^\/flaky-(\d+)$/.exec(url.pathname);
  if (flaky && n <= Number(flaky[1])) return json(503, { error: `failing delivery ${n}` });

  const ts = Number(request.headers.get("x-vaultline-timestamp"));
  const sig = (request.headers.get("x-vaultline-signature") ?? "").replace(/^v1=/, "");
  const expected = createHmac("sha256", HOOKS.secret).update(`${ts}.${body}`).digest("hex");
  if (sig.length !== expected.length || !timingSafeEqual(Buffer.from(sig), Buffer.from(expected)))
    return json(401, { error: "bad signature" });
  if (!Number.isFinite(ts) || Math.abs(Date.now() / 1000 - ts) > 300) return json(401, { error: "stale timestamp" });
  if (seen.has(`${url.pathname} ${id}`)) return json(409, { error: "replayed event" });
  seen.add(`${url.pathname} ${id}`);
  received.push({ path: url.pathname, event: JSON.parse(body), attempt: n });
  return json(200, { ok: true });
}
