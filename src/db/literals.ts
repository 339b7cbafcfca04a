/**
 * Splits the text of a VALUES tuple as SQLite's quote() renders it (NULL, integers, reals, '...' with ''
 * doubling, X'hex') into SQL fragments and bound values: text and blobs become parameters; NULL and numbers stay
 * literal, each checked against the one shape quote() gives them, so nothing else can reach the SQL text. Throws
 * on anything that is not a plain list of literals (a subquery, a second statement, a function call).
 */
export function tupleToParams(tuple: string, maxParams = D1_MAX_PARAMS): { sql: string; params: (string | Uint8Array)[]; count: number } {
  const parts: string[] = [];
  const params: (string | Uint8Array)[] = [];
  for (const v of tupleValues(tuple)) {
    if (v.kind === "literal") parts.push(v.text);
    else if (params.length < maxParams) {
      parts.push("?");
      params.push(v.value);
    } else parts.push(renderValue(v));
  }
  return { sql: parts.join(","), params, count: parts.length };
}

/** D1 binds at most this many parameters per statement. */
export const D1_MAX_PARAMS = 100;

/**
 * A parsed text or blob value written back as a literal, for the rare row with more values than a statement can
 * bind. Rendered from the decoded value, never copied from the input, so it can only ever be that one literal.
 */
function renderValue(v: Exclude<TupleValue, { kind: "literal" }>): string {
  if (v.kind === "text") return `'${v.value.replace(/'/g, "''")}'`;
  return `X'${[...v.value].map((b) => b.toString(16).padStart(2, "0")).join("")}'`;
}

export type TupleValue = { kind: "literal"; text: string } | { kind: "text"; value: string } | { kind: "blob"; value: Uint8Array };

/** The values of a tuple, in order: numbers and NULL as their literal text, text and blobs decoded. */
export function tupleValues(tuple: string): TupleValue[] {
  const out: TupleValue[] = [];
  let i = 0;
  while (i < tuple.length) {
    const c = tuple[i]!;
    if (c === "'") {
      let j = i + 1;
      let s = "";
      for (;;) {
        const q = tuple.indexOf("'", j);
        if (q < 0) throw new Error("unterminated text literal in row");
        s += tuple.slice(j, q);
        if (tuple[q + 1] === "'") {
          s += "'";
          j = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      out.push({ kind: "text", value: s });
    } else if ((c === "X" || c === "x") && tuple[i + 1] === "'") {
      const q = tuple.indexOf("'", i + 2);
      if (q < 0) throw new Error("unterminated blob literal in row");
      const hex = tuple.slice(i + 2, q);
      if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw new Error("malformed blob literal in row");
      const bytes = new Uint8Array(hex.length / 2);
      for (let k = 0; k < bytes.length; k++) bytes[k] = parseInt(hex.slice(k * 2, k * 2 + 2), 16);
      out.push({ kind: "blob", value: bytes });
      i = q + 1;
    } else {
      const comma = tuple.indexOf(",", i);
      const end = comma < 0 ? tuple.length : comma;
      const lit = tuple.slice(i, end);
      if (!/^(NULL|-?[0-9]+(\.[0-9]+)?(e[+-]?[0-9]+)?|-?Inf)$/i.test(lit))
        throw new Error(`unexpected literal in row: ${lit.slice(0, 40)}`);
      out.push({ kind: "literal", text: lit });
      i = end;
    }
    if (i < tuple.length) {
      if (tuple[i] !== ",") throw new Error("malformed row tuple");
      i++;
    }
  }
  return out;
}

/** Why `tuple` is not a plain list of exactly `count` literal values (quote()'s output), or null when it is. */
export function tupleProblem(tuple: string, count: number): string | null {
  try {
    const n = tupleValues(tuple).length;
    return n === count ? null : `holds ${n} values where ${count} are expected`;
  } catch (e) {
    return (e as Error).message;
  }
}
