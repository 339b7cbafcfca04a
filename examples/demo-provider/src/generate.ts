/**
 * Deterministic demo data for the OIDC provider: the same options give the same rows, byte for byte.
 * Self-contained (no imports) so both the Worker tests and the Node seeding script can use it.
 * Per user: about 10 auth_events, 2 refresh tokens, 1-2 consents; NULLs, unicode and BLOBs throughout.
 */
export type SqlValue = null | number | string | Uint8Array;
export interface Rows {
  table: string;
  columns: string[];
  rows: SqlValue[][];
}

export const CLIENTS = 40;
const EPOCH = 1_760_000_000; // fixed "now" so runs are reproducible

function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const GIVEN = [
  "Zoë",
  "Łukasz",
  "李",
  "Ἀχιλλεύς",
  "Amélie",
  "Jürgen",
  "Søren",
  "Ana",
  "Омар",
  "Priya",
  "O'Brien",
  "Nguyễn",
  "مريم",
  "Kenji",
  "Chloé",
];
const FAMILY = ["Müller", "García", "王", "Ødegaard", "Smith", "Dubois", "Kowalski", "Tanaka", "Иванов", "Patel", "D'Angelo", "Björk"];
const LOCALES = ["en-US", "de-DE", "fr-FR", "ja-JP", "zh-CN", "pl-PL", "ar-EG", null];
const EVENTS = ["login", "logout", "token_refresh", "mfa_challenge", "password_change", "consent_granted", "login_failed"];
const AGENTS = [
  "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1) Safari/605.1",
  "okhttp/4.12.0",
  "curl/8.11.0",
];

function bytes(r: () => number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
  return b;
}
function hex(r: () => number, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += Math.floor(r() * 16).toString(16);
  return s;
}
const pick = <T>(r: () => number, a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
export const clientId = (i: number) => `client-${String(i).padStart(3, "0")}`;

export function staticRows(): Rows[] {
  const r = rng(7);
  const clients: SqlValue[][] = [];
  for (let i = 0; i < CLIENTS; i++) {
    clients.push([
      clientId(i),
      i % 5 === 0 ? null : `$argon2id$v=19$m=65536,t=3,p=4$${hex(r, 22)}$${hex(r, 43)}`,
      `App ${i} ${pick(r, ["Portal", "Console", "移动应用", "Tableau de bord", "CLI"])}`,
      JSON.stringify([`https://app${i}.example.com/callback`, `https://app${i}.example.com/silent`]),
      JSON.stringify(i % 4 === 0 ? ["client_credentials"] : ["authorization_code", "refresh_token"]),
      "openid profile email offline_access",
      i % 5 === 0 ? "none" : "client_secret_basic",
      i % 3 === 0 ? bytes(r, 96) : null,
      EPOCH - 86400 * (400 - i),
    ]);
  }
  const keys: SqlValue[][] = [0, 1, 2].map((k) => [
    `kid-2026-${k + 1}`,
    k === 2 ? "EdDSA" : "RS256",
    JSON.stringify({ kty: k === 2 ? "OKP" : "RSA", kid: `kid-2026-${k + 1}`, n: hex(r, 64), e: "AQAB" }),
    bytes(r, 256),
    EPOCH - 86400 * 90 * (3 - k),
    k < 2 ? EPOCH - 86400 * 90 * (2 - k) : null,
    k === 2 ? 1 : 0,
  ]);
  return [
    {
      table: "oauth_clients",
      columns: [
        "client_id",
        "client_secret_hash",
        "name",
        "redirect_uris",
        "grant_types",
        "scopes",
        "token_endpoint_auth_method",
        "logo",
        "created_at",
      ],
      rows: clients,
    },
    { table: "signing_keys", columns: ["kid", "alg", "public_jwk", "private_key_enc", "created_at", "rotated_at", "active"], rows: keys },
  ];
}

/** Rows for users [from, to) and everything that hangs off them. Ids are derived from the user number. */
export function userRows(from: number, to: number): Rows[] {
  const users: SqlValue[][] = [];
  const tokens: SqlValue[][] = [];
  const consents: SqlValue[][] = [];
  const codes: SqlValue[][] = [];
  const events: SqlValue[][] = [];
  for (let u = from; u < to; u++) {
    const r = rng(1_000_003 * (u + 1));
    const id = u + 1;
    const given = pick(r, GIVEN);
    const family = pick(r, FAMILY);
    const created = EPOCH - Math.floor(r() * 86400 * 700);
    users.push([
      id,
      `user${id}@${pick(r, ["example.com", "example.org", "exämple.de", "corp.example"])}`,
      r() < 0.9 ? 1 : 0,
      r() < 0.1 ? null : `${given} ${family}`,
      given,
      family,
      pick(r, LOCALES),
      `$argon2id$v=19$m=65536,t=3,p=4$${hex(r, 22)}$${hex(r, 43)}`,
      r() < 0.3 ? bytes(r, 20) : null,
      r() < 0.05 ? bytes(r, 48 + Math.floor(r() * 200)) : null,
      r() < 0.2 ? null : created + Math.floor(r() * 86400 * 30),
      created,
      created + Math.floor(r() * 86400 * 60),
      r() < 0.02 ? 1 : 0,
    ]);
    const c1 = Math.floor(r() * CLIENTS);
    const c2 = (c1 + 1 + Math.floor(r() * (CLIENTS - 1))) % CLIENTS;
    for (let k = 0; k < 2; k++) {
      const issued = created + Math.floor(r() * 86400 * 200);
      tokens.push([
        id * 2 + k,
        hex(r, 64),
        id,
        clientId(k === 0 ? c1 : c2),
        "openid profile email offline_access",
        issued,
        issued + 86400 * 30,
        r() < 0.15 ? issued + 3600 : null,
        k === 1 && r() < 0.5 ? id * 2 : null,
      ]);
    }
    consents.push([id, clientId(c1), "openid profile email", created + r()]);
    if (r() < 0.5) consents.push([id, clientId(c2), "openid email", created + 1000 + r()]);
    if (r() < 0.05) {
      codes.push([
        hex(r, 64),
        id,
        clientId(c1),
        `https://app${c1}.example.com/callback`,
        "openid profile",
        hex(r, 43),
        "S256",
        r() < 0.5 ? null : hex(r, 16),
        EPOCH + 600,
        null,
      ]);
    }
    for (let e = 0; e < 10; e++) {
      const type = pick(r, EVENTS);
      events.push([
        id * 10 + e,
        r() < 0.03 ? null : id,
        r() < 0.2 ? null : clientId(c1),
        type,
        type === "login_failed" ? 0 : 1,
        r() < 0.1 ? null : `${Math.floor(r() * 223) + 1}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}`,
        pick(r, AGENTS),
        r() < 0.5
          ? null
          : JSON.stringify({ method: pick(r, ["pwd", "otp", "webauthn"]), risk: Math.round(r() * 1000) / 1000, note: "ok ✓" }),
        created + e * 3600 + Math.floor(r() * 3600),
      ]);
    }
  }
  return [
    {
      table: "users",
      columns: [
        "id",
        "email",
        "email_verified",
        "name",
        "given_name",
        "family_name",
        "locale",
        "password_hash",
        "mfa_secret",
        "picture",
        "last_login_at",
        "created_at",
        "updated_at",
        "disabled",
      ],
      rows: users,
    },
    {
      table: "refresh_tokens",
      columns: ["id", "token_hash", "user_id", "client_id", "scope", "issued_at", "expires_at", "revoked_at", "parent_id"],
      rows: tokens,
    },
    { table: "consents", columns: ["user_id", "client_id", "scopes", "granted_at"], rows: consents },
    {
      table: "authorization_codes",
      columns: [
        "code_hash",
        "user_id",
        "client_id",
        "redirect_uri",
        "scope",
        "code_challenge",
        "code_challenge_method",
        "nonce",
        "expires_at",
        "consumed_at",
      ],
      rows: codes,
    },
    { table: "auth_events", columns: ["id", "user_id", "client_id", "type", "success", "ip", "user_agent", "detail", "at"], rows: events },
  ];
}

/** SQL literal for a value: lets the loader send many rows per statement without the 100-parameter limit. */
export function literal(v: SqlValue): string {
  if (v === null) return "NULL";
  if (typeof v === "number") return String(v); // shortest text that reads back as the same double
  if (typeof v === "string") return `'${v.replace(/'/g, "''")}'`;
  let h = "";
  for (let i = 0; i < v.length; i++) h += v[i]!.toString(16).padStart(2, "0");
  return `X'${h}'`;
}

/** INSERT statements (under D1's 100 KB statement limit) for a set of rows. */
export function insertStatements(rows: Rows, maxBytes = 90_000): string[] {
  const head = `INSERT INTO "${rows.table}" (${rows.columns.map((c) => `"${c}"`).join(", ")}) VALUES `;
  const out: string[] = [];
  let values: string[] = [];
  let size = head.length;
  for (const row of rows.rows) {
    const t = `(${row.map(literal).join(",")})`;
    if (values.length && (size + t.length * 3 > maxBytes || values.length >= 400)) {
      out.push(head + values.join(","));
      values = [];
      size = head.length;
    }
    values.push(t);
    size += t.length * 3 + 1; // worst case: every character 3 bytes of UTF-8
  }
  if (values.length) out.push(head + values.join(","));
  return out;
}

/** Seeds `users` users (and the static tables when `from` is 0) through a D1 binding, a batch at a time. */
export async function seedDatabase(
  db: D1Database,
  opts: { from?: number; users: number; batchUsers?: number; onProgress?: (usersDone: number) => void },
): Promise<number> {
  const from = opts.from ?? 0;
  const step = opts.batchUsers ?? 500;
  let total = 0;
  if (from === 0) {
    for (const t of staticRows()) {
      await db.batch(insertStatements(t).map((s) => db.prepare(s)));
      total += t.rows.length;
    }
  }
  for (let u = from; u < opts.users; u += step) {
    const sets = userRows(u, Math.min(opts.users, u + step));
    await db.batch(sets.flatMap((t) => insertStatements(t)).map((s) => db.prepare(s)));
    total += sets.reduce((n, t) => n + t.rows.length, 0);
    opts.onProgress?.(Math.min(opts.users, u + step));
  }
  return total;
}
