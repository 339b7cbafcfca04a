import type { z } from "zod";
import { PayloadTooLargeError, ValidationError } from "../errors";
import { concatBytes, fromUtf8 } from "../repo/bytes";

/** The largest request body the API reads (docs/API.md): every admin body is a few fields. */
export const MAX_BODY_BYTES = 64 * 1024;

/** Parses with a zod schema; the first problem becomes a 400 naming its field (`components[0]`, `confirmation`). */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.reduce<string>((s, k) => (typeof k === "number" ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)), "");
  throw new ValidationError(field ? `${field}: ${issue.message}` : issue.message, field || undefined);
}

/** Refuses a body over MAX_BODY_BYTES, by its declared length or, when it lies or streams, by what arrives. */
export function checkDeclaredLength(req: Request): void {
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

export async function jsonBody(req: Request): Promise<unknown> {
  const text = await boundedText(req);
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError("body is not valid JSON");
  }
}

/** A path's `:id`, checked against its id schema; a malformed one is a 400 naming `id`. */
export function pathId(raw: string | undefined, schema: z.ZodType<string>, what: string): string {
  if (raw === undefined || !schema.safeParse(raw).success) throw new ValidationError(`id: not a ${what} id`, "id");
  return raw;
}
