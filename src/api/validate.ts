import type { z } from "zod";
import { ValidationError } from "../errors";

/** Parses with a zod schema; the first problem becomes a 400 naming its field (`components[0]`, `confirmation`). */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.reduce<string>((s, k) => (typeof k === "number" ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)), "");
  throw new ValidationError(field ? `${field}: ${issue.message}` : issue.message, field || undefined);
}

export async function jsonBody(req: Request): Promise<unknown> {
  const text = await req.text();
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
