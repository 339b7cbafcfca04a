// Following a backup or a restore over the API's Server-Sent Events (GET /admin/backup/:id/events,
// /admin/restore/:id/events): one `status` event per change, `end` when the stream closes. A stream that ends
// before the status is terminal (the server closes after 30 minutes, a proxy drops it) is opened again.
import { ApiError, type Client } from "./client";

export interface StatusEvent {
  status: string;
  [field: string]: unknown;
}

/** Calls onStatus with each view until stop(view) holds; returns that view. */
export async function followStatus(
  client: Client,
  path: string,
  stop: (view: StatusEvent) => boolean,
  onStatus: (view: StatusEvent) => void,
): Promise<StatusEvent> {
  for (let attempt = 0; ; attempt++) {
    const res = await client.open("GET", path, { accept: "text/event-stream" });
    let last: StatusEvent | null = null;
    for await (const event of sseEvents(res.body!)) {
      if (event.event !== "status") continue;
      last = JSON.parse(event.data) as StatusEvent;
      onStatus(last);
      if (stop(last)) {
        await res.body!.cancel().catch(() => {});
        return last;
      }
    }
    // Closed early: reconnect (at once the first time, then after a second), unless nothing ever came.
    if (!last && attempt > 3) throw new ApiError(0, "unreachable", `the event stream ${path} closed without an event`);
    if (attempt > 0) await new Promise((r) => setTimeout(r, 1000));
  }
}

/** The events of a text/event-stream body (the WHATWG format: `event:`, `data:` lines, a blank line ends one). */
export async function* sseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<{ event: string; data: string }> {
  const decoder = new TextDecoder();
  let buffer = "";
  let event = "message";
  let data: string[] = [];
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let nl = buffer.search(/\r?\n/);
    while (nl >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(buffer[nl] === "\r" ? nl + 2 : nl + 1);
      if (line === "") {
        if (data.length) yield { event, data: data.join("\n") };
        event = "message";
        data = [];
      } else if (line.startsWith("event:")) event = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      nl = buffer.search(/\r?\n/);
    }
  }
}
