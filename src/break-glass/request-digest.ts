/**
 * The bytes a custodian signs for a break-glass request: shared by the Worker and `vaultline break-glass sign`, so
 * both see the same digest. Depends on nothing of the Worker's (the CLI bundles it).
 */

/** JSON with object keys sorted at every level: one text for one value, whoever serialises it. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v && typeof v === "object")
    return `{${Object.keys(v as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(v);
}

/** SHA-256 (hex) of the request's canonical JSON. */
export async function requestDigest(request: unknown): Promise<string> {
  const bytes = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonicalJson(request))));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** What is signed: the digest, under a label that no other Vaultline signature uses. */
export function signedMessage(digest: string): Uint8Array {
  return new TextEncoder().encode(`vaultline-break-glass-v1:${digest}`);
}

export function toBase64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

export function fromBase64Url(s: string): Uint8Array {
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (s.length % 4)) % 4);
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}
