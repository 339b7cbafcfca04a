// What must never appear in a response body or a log line, and a scanner that finds it. Shared by the workerd
// suite (every response body, as it arrives) and by scripts/test.ts (every line the suites printed).
import { STANDIN } from "./cloudflare-api-standin.ts";
import { HOOKS } from "./webhook-receiver.ts";
import { TEST_TOKENS, TEST_MASTER_KEY, PREVIOUS_MASTER_KEY, OTHER_MASTER_KEY } from "../tokens.ts";

/** Marks the log line that carries SHA-256 digests of the data keys a test created (never the keys). */
export const DATA_KEY_DIGEST_MARKER = "[vaultline:data-key-digests]";

/** Every fixed secret of the suite: master keys (base64 and raw), API tokens, the Cloudflare API token. */
export const FIXED_SECRETS: { name: string; value: string }[] = [
  ...[
    ["BACKUP_ENCRYPTION_KEY", TEST_MASTER_KEY],
    ["BACKUP_ENCRYPTION_KEYS_OLD[0]", PREVIOUS_MASTER_KEY],
    ["other master key", OTHER_MASTER_KEY],
  ].flatMap(([name, b64]) => [
    { name: name!, value: b64! },
    { name: `${name} (raw)`, value: atob(b64!) },
  ]),
  ...Object.entries(TEST_TOKENS).map(([who, t]) => ({ name: `API token of ${who}`, value: t.token })),
  { name: "CF_API_TOKEN", value: STANDIN.apiToken },
  { name: "WEBHOOK_SIGNING_SECRET", value: HOOKS.secret },
];

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Digests of a data key's bytes and of each half (the AES key, the chunk-id HMAC key). */
export async function dataKeyDigests(raw: Uint8Array): Promise<string[]> {
  return [await sha256Hex(raw), await sha256Hex(raw.slice(0, 32)), await sha256Hex(raw.slice(32, 64))];
}

function fromHex(h: string): Uint8Array {
  return Uint8Array.from(h.match(/../g)!.map((b) => parseInt(b, 16)));
}

function fromB64(s: string): Uint8Array | null {
  try {
    const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/**
 * Names every secret found in `text`: fixed secrets as substrings; data keys (or either half) written as hex (any
 * 32- or 64-byte window of a hex run) or as base64/base64url, recognised by digest, since the keys themselves are
 * random per test.
 */
export async function findSecrets(text: string, dataKeyDigestSet: Set<string>): Promise<string[]> {
  const found = FIXED_SECRETS.filter((s) => text.includes(s.value)).map((s) => s.name);
  if (dataKeyDigestSet.size === 0) return found;
  const candidates: Uint8Array[] = [];
  for (const run of (text.match(/[0-9a-fA-F]{64,}/g) ?? []).map((r) => r.slice(0, 4096))) {
    for (const len of [64, 128]) for (let i = 0; i + len <= run.length; i += 2) candidates.push(fromHex(run.slice(i, i + len)));
  }
  for (const tok of text.match(/[A-Za-z0-9+/_-]{43,88}={0,2}/g) ?? []) {
    const bytes = fromB64(tok);
    if (bytes && (bytes.length === 32 || bytes.length === 64)) candidates.push(bytes);
  }
  for (const c of candidates) if (dataKeyDigestSet.has(await sha256Hex(c))) found.push("a data key");
  return [...new Set(found)];
}
