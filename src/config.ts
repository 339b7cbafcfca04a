import type { z } from "zod";
import { ConfigError } from "./errors";

/** Parses a var or secret that holds JSON, with a ConfigError naming it when it is malformed. */
export function parseJsonVar<S extends z.ZodType>(schema: S, raw: string | undefined, name: string, fallback: string): z.infer<S> {
  let json: unknown;
  try {
    json = JSON.parse(raw || fallback);
  } catch {
    throw new ConfigError(`${name} is not valid JSON`, name);
  }
  const r = schema.safeParse(json);
  if (!r.success) throw new ConfigError(`${name}: ${r.error.issues[0]?.message}`, name);
  return r.data;
}
