/** Sortable, unique, and valid as a Workflow instance id: bk_20261129T101500Z_3fa9c1d2. */
export function newId(prefix: "bk" | "rs" | "tr" | "kr" | "rr" | "ck" | "rp" | "sc" | "cr", at = new Date()): string {
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  const rand = Array.from(crypto.getRandomValues(new Uint8Array(4)), (b) => b.toString(16).padStart(2, "0")).join("");
  return `${prefix}_${stamp}_${rand}`;
}
