import type { Context } from "hono";
import type { z } from "zod";
import { PayloadTooLargeError, ValidationError } from "../errors";
import { concatBytes, fromUtf8 } from "../repo/bytes";

/** The largest request body the API reads (docs/API.md): every admin body is a few fields. */
export const MAX_BODY_BYTES = 64 * 1024;

/** A zod issue's path as the API names a field: `components[0]`, `database.user_id`. */
export function fieldOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>((s, k) => (typeof k === "number" ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)), "");
}

/** Parses with a zod schema; the first problem becomes a 400 naming its field (`components[0]`, `confirmation`). */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, prefix = ""): z.infer<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = [prefix, fieldOf(issue.path)].filter(Boolean).join(".");
  throw new ValidationError(field ? `${field}: ${issue.message}` : issue.message, field || undefined);
}

/** Refuses a body over MAX_BODY_BYTES by its declared length, before anything else reads it. */
function checkDeclaredLength(req: Request): void {
  const declared = Number(req.headers.get("content-length") ?? 0);
  if (declared > MAX_BODY_BYTES) throw new PayloadTooLargeError(`request body is ${declared} bytes; the limit is ${MAX_BODY_BYTES}`);
}

async function boundedText(req: Request): Promise<string> {
  checkDeclaredLength(req);
  if (!req.body) return "";
  const reader = req.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      throw new PayloadTooLargeError(`request body is over the limit of ${MAX_BODY_BYTES} bytes`);
    }
    parts.push(value);
  }
  try {
    return fromUtf8.decode(concatBytes(...parts));
  } catch {
    throw new ValidationError("body is not valid UTF-8");
  }
}

/**
 * For a request that may carry a body: reads it within MAX_BODY_BYTES (by declared length, or by what
 * arrives when it lies or streams), refuses what is not JSON (400), and hands the routes' validators a JSON request
 * (an empty body is `{}`). A bearer-token caller may send JSON without saying so (`curl -d`); a caller signed in
 * through a cookie (Cloudflare Access) must say `application/json`, which no cross-site form can (src/api/app.ts).
 */
export async function bufferJsonBody(c: Context): Promise<void> {
  if (c.req.method === "GET" || c.req.method === "HEAD") return;
  const text = await boundedText(c.req.raw);
  if (text.trim()) {
    try {
      JSON.parse(text);
    } catch {
      throw new ValidationError("body is not valid JSON");
    }
  }
  const headers = new Headers(c.req.raw.headers);
  headers.set("content-type", "application/json");
  headers.delete("content-length");
  c.req.raw = new Request(c.req.raw, { headers, body: text.trim() ? text : "{}" });
}
