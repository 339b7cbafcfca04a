import type { DatabaseManifest } from "../../schemas/manifest";
import type { TestCheck } from "../../schemas/test-restore";
import { readSegment } from "../assets/index-lookup";
import type { AssetManifest } from "../../schemas/assets";
import type { SessionManifest } from "../../schemas/sessions";
import type { SessionObject } from "../demo/session-object";
import { ident } from "../db/sql";
import type { Env } from "../env";
import type { Repository } from "../repo/repository";
import { readSessionSegment } from "../sessions/restore-sessions";
import type { ExportPage } from "../sessions/contract";
import { verifySchemaObjects } from "../restore/verify-against-manifest";

type Check = Omit<TestCheck, "component" | "ms">;

/** Runs one check, timing it; an exception is a failed check with its message, never a crashed drill. */
export async function timed(component: TestCheck["component"], name: string, fn: () => Promise<Check | Omit<Check, "name">>): Promise<TestCheck> {
  const began = Date.now();
  try {
    return { component, name, ...(await fn()), ms: Date.now() - began };
  } catch (e) {
    return { component, name, passed: false, detail: (e as Error).message.slice(0, 500), ms: Date.now() - began };
  }
}

/**
 * The OIDC schema's own invariants, beyond what its declared foreign keys say: every token, code and consent
 * belongs to a user and a client that exist; a rotated refresh token's parent exists. Checked only where the
 * tables and columns exist, so a provider with another schema gets the generic foreign-key check alone.
 */
const OIDC_RULES: { table: string; column: string; parent: string; key: string }[] = [
  { table: "refresh_tokens", column: "user_id", parent: "users", key: "id" },
  { table: "refresh_tokens", column: "client_id", parent: "oauth_clients", key: "client_id" },
  { table: "refresh_tokens", column: "parent_id", parent: "refresh_tokens", key: "id" },
  { table: "authorization_codes", column: "user_id", parent: "users", key: "id" },
  { table: "authorization_codes", column: "client_id", parent: "oauth_clients", key: "client_id" },
  { table: "consents", column: "user_id", parent: "users", key: "id" },
  { table: "consents", column: "client_id", parent: "oauth_clients", key: "client_id" },
];

export async function databaseChecks(db: D1Database, manifest: DatabaseManifest): Promise<TestCheck[]> {
  const has = (t: string, c?: string) => manifest.schema.tables.some((x) => x.name === t && (!c || x.columns.some((col) => col.name === c)));
  const checks: TestCheck[] = [];
  checks.push(
    await timed("database", "schema equals the backup", async () => {
      await verifySchemaObjects(db, manifest);
      return { passed: true, detail: `${manifest.schema.objects.length} schema objects, each with the backup's SQL` };
    }),
  );
  checks.push(
    await timed("database", "referential integrity (foreign keys)", async () => {
      const { results } = await db.prepare("PRAGMA foreign_key_check").all<{ table: string; rowid: number; parent: string }>();
      const sample = results.slice(0, 5).map((r) => `${r.table} row ${r.rowid} -> ${r.parent}`);
      return { passed: results.length === 0, detail: results.length ? `${results.length} violation(s): ${sample.join("; ")}` : "no row references a missing parent" };
    }),
  );
  const rules = OIDC_RULES.filter((r) => has(r.table, r.column) && has(r.parent, r.key));
  if (rules.length) {
    checks.push(
      await timed("database", "OIDC invariants (tokens, codes, consents belong to existing users and clients)", async () => {
        const counts = await db.batch(
          rules.map((r) =>
            db.prepare(
              `SELECT count(*) AS n FROM ${ident(r.table)} AS c WHERE c.${ident(r.column)} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${ident(r.parent)} AS p WHERE p.${ident(r.key)} = c.${ident(r.column)})`,
            ),
          ),
        );
        const broken = rules.map((r, i) => ({ r, n: (counts[i]!.results[0] as { n: number }).n })).filter((x) => x.n > 0);
        return {
          passed: broken.length === 0,
          detail: broken.length ? broken.map(({ r, n }) => `${n} ${r.table}.${r.column} without ${r.parent}`).join("; ") : `${rules.length} rules hold`,
        };
      }),
    );
  }
  if (has("users", "email")) {
    checks.push(
      await timed("database", "probe: look up a user by email", async () => {
        const n = (await db.prepare("SELECT count(*) AS n FROM users").first<number>("n")) ?? 0;
        if (!n) return { passed: true, detail: "the backup has no users" };
        const sample = await db.prepare("SELECT id, email FROM users ORDER BY id LIMIT 1 OFFSET ?").bind(Math.floor(n / 2)).first<{ id: number; email: string }>();
        const found = await db.prepare("SELECT id FROM users WHERE email = ?").bind(sample!.email).first<number>("id");
        return { passed: found === sample!.id, detail: `users row ${sample!.id} found by its email (of ${n} users)` };
      }),
    );
  }
  if (has("oauth_clients", "client_id")) {
    checks.push(
      await timed("database", "probe: load a client by client_id", async () => {
        const c = await db.prepare("SELECT client_id FROM oauth_clients ORDER BY client_id LIMIT 1").first<string>("client_id");
        if (c === null) return { passed: true, detail: "the backup has no clients" };
        const row = await db.prepare("SELECT client_id, redirect_uris FROM oauth_clients WHERE client_id = ?").bind(c).first<{ redirect_uris: string }>();
        return { passed: row !== null && row.redirect_uris.length > 0, detail: `client ${c} loads with its redirect URIs` };
      }),
    );
  }
  return checks;
}

/** Reads back a few restored sandbox objects through their export RPC: each must hold what the backup says. */
export async function sessionChecks(env: Env, repo: Repository, manifest: SessionManifest, prefix: string): Promise<TestCheck[]> {
  if (!manifest.segments.length) return [{ component: "sessions", name: "probe: read a session object", passed: true, detail: "the backup has no objects", ms: 0 }];
  return [
    await timed("sessions", "probe: read restored session objects", async () => {
      const sample = (await readSessionSegment(repo, manifest.segments[0]!.id)).filter((e) => e.entries > 0).slice(0, 3);
      for (const e of sample) {
        const stub = env.SESSIONS.get(env.SESSIONS.idFromName(prefix + e.name)) as DurableObjectStub<SessionObject>;
        const page = (await stub.vaultlineExport(null, 1)) as unknown as ExportPage;
        if (!page.entries.length) return { passed: false, detail: `${prefix}${e.name} is empty; the backup has ${e.entries} entries for it` };
      }
      return { passed: true, detail: `${sample.length} object(s) read back: ${sample.map((e) => prefix + e.name).join(", ")}` };
    }),
  ];
}

/** Heads a few restored objects in the sandbox bucket: each must exist with the backed-up size. */
export async function assetChecks(bucket: R2Bucket, repo: Repository, manifest: AssetManifest): Promise<TestCheck[]> {
  if (!manifest.segments.length) return [{ component: "assets", name: "probe: read restored objects", passed: true, detail: "the backup has no objects", ms: 0 }];
  return [
    await timed("assets", "probe: read restored objects", async () => {
      const sample = (await readSegment(repo, manifest.segments[0]!.id)).slice(0, 3);
      for (const o of sample) {
        const head = await bucket.head(o.key);
        if (!head || head.size !== o.size) return { passed: false, detail: `${o.key}: ${head ? `${head.size} bytes, the backup has ${o.size}` : "missing"}` };
      }
      return { passed: true, detail: `${sample.length} object(s) present with their sizes: ${sample.map((o) => o.key).join(", ")}` };
    }),
  ];
}
