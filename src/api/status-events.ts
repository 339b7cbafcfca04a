import type { Context } from "hono";
import { streamSSE } from "hono/streaming";

/** How long one status stream stays open; a client reconnects with the same request to follow on. */
const STREAM_MS = 30 * 60_000;

/**
 * A view as Server-Sent Events: a `status` event with the whole view whenever it changes (read once a second),
 * until its status is terminal (or STREAM_MS), then `end` with the last status. A client that sees `end` with a
 * status that is not terminal reconnects (cli/api/events.ts).
 */
export function statusEvents<V extends { status: string }>(
  c: Context,
  first: V,
  read: () => Promise<V>,
  terminal: ReadonlySet<string>,
): Response {
  return streamSSE(c, async (stream) => {
    let last = "";
    let view = first;
    const until = Date.now() + STREAM_MS;
    for (let n = 0; ; n++) {
      const data = JSON.stringify(view);
      if (data !== last) await stream.writeSSE({ event: "status", data, id: String(n) });
      last = data;
      if (terminal.has(view.status) || Date.now() > until || stream.aborted) break;
      await stream.sleep(1000);
      view = await read();
    }
    await stream.writeSSE({ event: "end", data: JSON.stringify({ status: view.status, terminal: terminal.has(view.status) }) });
  });
}
