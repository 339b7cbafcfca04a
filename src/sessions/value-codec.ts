/**
 * Durable Object KV values are structured-clone values; the repository stores JSON. Values JSON cannot carry are
 * tagged: {"$bytes": base64}, {"$date": iso}, {"$bigint": "123"}. A tag-shaped object is escaped as {"$obj": ...}.
 */
import { fromBase64, toBase64 } from "../repo/bytes";

export class UnsupportedValueError extends Error {}

export function encodeValue(v: unknown, at = "value"): unknown {
  if (v === null || typeof v === "string" || typeof v === "boolean") return v;
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new UnsupportedValueError(`${at}: ${v} has no JSON form`);
    return v;
  }
  if (typeof v === "bigint") return { $bigint: v.toString() };
  if (v instanceof Uint8Array) return { $bytes: toBase64(v) };
  if (v instanceof ArrayBuffer) return { $bytes: toBase64(new Uint8Array(v)) };
  if (v instanceof Date) return { $date: v.toISOString() };
  if (Array.isArray(v)) return v.map((x, i) => encodeValue(x, `${at}[${i}]`));
  if (typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = encodeValue(x, `${at}.${k}`);
    const keys = Object.keys(out);
    return keys.length === 1 && keys[0]!.startsWith("$") ? { $obj: out } : out;
  }
  throw new UnsupportedValueError(`${at}: values of type ${Object.prototype.toString.call(v)} cannot be backed up`);
}

export function decodeValue(v: unknown): unknown {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map(decodeValue);
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 1) {
    if (keys[0] === "$bytes") return fromBase64(o.$bytes as string);
    if (keys[0] === "$date") return new Date(o.$date as string);
    if (keys[0] === "$bigint") return BigInt(o.$bigint as string);
    if (keys[0] === "$obj") return Object.fromEntries(Object.entries(o.$obj as object).map(([k, x]) => [k, decodeValue(x)]));
  }
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, decodeValue(x)]));
}
