import { applyDueChanges } from "../../src/changes/two-person";
import { applyD1Migrations, env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { seedDatabase } from "../../examples/demo-provider/src/generate";
import { waitFor } from "../shared/wait";
import { mintJwt } from "../shared/idp";
import { assertNoSecretIn } from "./secrets";
import { TEST_PEOPLE, TEST_TOKENS } from "../tokens";
import { createApp } from "../../src/api/app";

export { waitFor };

export { env };

/** Applies the provider's migrations to another D1 binding (a restore target that should look like production). */
export async function migrate(db: D1Database): Promise<void> {
  await applyD1Migrations(db, (env as unknown as { OIDC_MIGRATIONS: Parameters<typeof applyD1Migrations>[1] }).OIDC_MIGRATIONS);
}
/** An automation API token (TEST_TOKENS) or a person signed in with a JWT (TEST_PEOPLE). */
export type Who = keyof typeof TEST_TOKENS | keyof typeof TEST_PEOPLE;

/** The bearer credential of `who`: its API token, or a freshly minted JWT for a person. */
export async function credential(who: Who): Promise<string> {
  if (who in TEST_TOKENS) return TEST_TOKENS[who as keyof typeof TEST_TOKENS].token;
  const p = TEST_PEOPLE[who as keyof typeof TEST_PEOPLE];
  return mintJwt({ sub: p.sub, roles: [...p.roles], amr: [...p.amr] });
}

export async function api(
  method: string,
  path: string,
  opts: { as?: Who | null; bearer?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { "content-type": "application/json", ...opts.headers };
  const who = opts.as === undefined ? "admin" : opts.as;
  if (opts.bearer) headers.authorization = `Bearer ${opts.bearer}`;
  else if (who) headers.authorization = `Bearer ${await credential(who)}`;
  const res = await (exports as any).default.fetch(
    new Request(`http://vaultline.test${path}`, {
      method,
      headers,
      body: opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
    }),
  );
  const text = await res.text();
  // Every response body of the suite is scanned for secrets (test/shared/secrets.ts).
  await assertNoSecretIn(text, `response to ${method} ${path}`);
  const json = text && (res.headers.get("content-type") ?? "").includes("json") ? (JSON.parse(text) as any) : text || null;
  assertDocumented(method, path, res.status, json);
  return { status: res.status as number, json };
}

/** Each documented route, in the order the router tries them (test/worker/openapi.test.ts checks all are). */
const DOCUMENTED = createApp()
  .openAPIRegistry.definitions.flatMap((d) => (d.type === "route" ? [d.route] : []))
  .map((route) => ({ route, pattern: new RegExp(`^${route.path.replace(/\{\w+\}/g, "[^/]+")}$`) }));

/**
 * Every answer the suite receives is checked against the schema the OpenAPI document gives for its route and
 * status (schemas/responses.ts; an error answer against the error shape): the document cannot drift from what the
 * API answers without a test failing.
 */
function assertDocumented(method: string, url: string, status: number, json: unknown): void {
  const path = new URL(url, "http://x").pathname;
  const hit = DOCUMENTED.find((d) => d.route.method === method.toLowerCase() && d.pattern.test(path));
  if (!hit) return; // not a route (404), or a path no route matches
  const documented = (hit.route.responses as Record<string, { content?: Record<string, { schema?: unknown }> }>)[String(status)];
  const schema = documented?.content?.["application/json"]?.schema as
    | { safeParse(v: unknown): { success: boolean; error?: unknown } }
    | undefined;
  if (!documented) throw new Error(`${method} ${path} answered ${status}, which its documentation does not list`);
  if (!schema || typeof json !== "object") return;
  const r = schema.safeParse(json);
  if (!r.success)
    throw new Error(`${method} ${path} answered ${status} outside its documented schema: ${JSON.stringify(r.error).slice(0, 1500)}`);
}

export async function runBackup(): Promise<any> {
  const created = await api("POST", "/admin/backup/create", { body: { type: "full" } });
  if (created.status !== 202) throw new Error(`create failed: ${JSON.stringify(created)}`);
  return waitFor(
    async () => (await api("GET", `/admin/backup/${created.json.backup_id}`)).json,
    (b) => b.status === "completed" || b.status === "failed",
  );
}

const TERMINAL = ["completed", "failed", "rolled_back", "cancelled"];

/**
 * Follows a restore to its end. A production restore stops for approval: a second person (bob, an approver signed
 * in with a second factor, not the admin who asked) approves it, as the API requires.
 */
export async function waitRestore(restoreId: string, opts: { approve?: boolean } = {}): Promise<any> {
  for (;;) {
    const r = await waitFor(
      async () => (await api("GET", `/admin/restore/${restoreId}`)).json,
      (x) => TERMINAL.includes(x.status) || x.status === "awaiting_approval",
      120_000,
    );
    if (r.status !== "awaiting_approval") return r;
    if (opts.approve === false) return r;
    const ok = await api("POST", `/admin/restore/${restoreId}/approve`, {
      as: "bob",
      body: { comment: "checked the test restore report" },
    });
    if (ok.status !== 200) throw new Error(`approval refused: ${JSON.stringify(ok.json)}`);
  }
}

export async function runRestore(backupId: string, target: "test" | "production"): Promise<any> {
  const body: Record<string, unknown> = { backup_id: backupId, target_environment: target };
  if (target === "production") body.confirmation = "I understand this will overwrite current data";
  // Into production only a person signed in with a second factor may ask.
  const created = await api("POST", "/admin/backup/restore", { body, as: target === "production" ? "alice" : "admin" });
  if (created.status !== 202) throw new Error(`restore failed to start: ${JSON.stringify(created)}`);
  const done = await waitRestore(created.json.restore_id);
  // A restore is complete for its users once recorded; the instance may still be dropping the tables it replaced.
  const databaseRestoreId =
    target === "production" ? done.restores?.find((r: any) => r.component === "database")?.restore_id : created.json.restore_id;
  if (databaseRestoreId) {
    const instance = await env.DATABASE_RESTORE.get(databaseRestoreId);
    await waitFor(
      async () => (await instance.status()).status,
      (s) => s === "complete" || s === "errored",
    );
  }
  return (await api("GET", `/admin/restore/${created.json.restore_id}`)).json;
}

/** A few hundred users plus an edge-case table the demo schema does not have. */
export async function seedWithEdgeCases(db: D1Database, users = 300): Promise<void> {
  await seedDatabase(db, { users, batchUsers: 100 });
  await db.prepare(`CREATE TABLE edge_values (k TEXT NOT NULL, n INTEGER, r REAL, t TEXT, b BLOB, anything)`).run();
  const big = new Uint8Array(150_000).map((_, i) => (i * 7) % 256);
  const stmts = [
    db.prepare(
      `INSERT INTO edge_values VALUES ('max-int', 9223372036854775807, 1e308, 'line1\nline2 ''quoted'' "dq" \\ tab\t', X'', NULL)`,
    ),
    db.prepare(`INSERT INTO edge_values VALUES ('min-int', -9223372036854775808, -0.0, '', X'00', 1.5)`),
    db.prepare(
      `INSERT INTO edge_values VALUES ('precision', 9007199254740993, 0.1, 'emoji 🔐 and NUL-free', X'ff00ff', 'text in untyped')`,
    ),
    db.prepare(`INSERT INTO edge_values VALUES ('big-blob', 1, 2.5, ?, ?, X'0102')`).bind(`${"x".repeat(120_000)}é`, big),
  ];
  await db.batch(stmts);
  await db.prepare(`DELETE FROM edge_values WHERE k = 'nothing'`).run();
  await db
    .prepare(
      `CREATE TRIGGER users_touch AFTER UPDATE OF email ON users BEGIN UPDATE users SET updated_at = updated_at + 1 WHERE id = NEW.id; END`,
    )
    .run();
  // Leave an AUTOINCREMENT counter ahead of the highest id, as deleting the newest user would.
  await db.prepare(`DELETE FROM users WHERE id = (SELECT max(id) FROM users)`).run();
}

/**
 * An oracle independent of Vaultline's own export code: every user object's SQL, and every table's rows with each
 * value's storage class, read with plain SELECTs. Two databases with equal snapshots hold the same data.
 */
export async function snapshot(db: D1Database) {
  const { results: objects } = await db
    .prepare(
      `SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY type, name`,
    )
    .all<{ type: string; name: string; sql: string }>();
  const tables: Record<string, unknown[]> = {};
  for (const o of objects.filter((o) => o.type === "table")) {
    const { results: cols } = await db
      .prepare(`SELECT name, pk FROM pragma_table_info(?)`)
      .bind(o.name)
      .all<{ name: string; pk: number }>();
    const withoutRowid = /WITHOUT\s+ROWID/i.test(o.sql);
    const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
    const order = withoutRowid
      ? cols
          .filter((c) => c.pk > 0)
          .sort((a, b) => a.pk - b.pk)
          .map((c) => q(c.name))
          .join(",")
      : "rowid";
    const select = [
      ...(withoutRowid ? [] : ["rowid AS __rowid"]),
      ...cols.flatMap((c) => [q(c.name), `typeof(${q(c.name)}) AS ${q(`${c.name}__type`)}`]),
    ];
    const { results } = await db.prepare(`SELECT ${select.join(", ")} FROM ${q(o.name)} ORDER BY ${order}`).all();
    tables[o.name] = results.map((r) =>
      JSON.parse(JSON.stringify(r, (_k, v) => (v instanceof ArrayBuffer ? Array.from(new Uint8Array(v)) : v))),
    );
  }
  const seq = await db
    .prepare(`SELECT name, seq FROM sqlite_sequence ORDER BY name`)
    .all()
    .then((r) => r.results)
    .catch(() => []);
  return { objects, tables, seq };
}

/** The snapshot without Vaultline's own objects (the change log and its triggers): the provider's data only. */
export async function userSnapshot(db: D1Database) {
  const s = await snapshot(db);
  const mine = (name: string) => name.startsWith("_vaultline_");
  return {
    objects: s.objects.filter((o) => !mine(o.name)),
    tables: Object.fromEntries(Object.entries(s.tables).filter(([name]) => !mine(name))),
    seq: (s.seq as { name: string }[]).filter((r) => !mine(r.name)),
  };
}

/** D1's own clock (the one capture triggers stamp changes with), in ms. */
export async function dbNow(db: D1Database): Promise<number> {
  return (await db.prepare("SELECT CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) AS t").first<number>("t"))!;
}

/** An instant strictly between the writes before it and the writes after it, by D1's clock. */
export async function checkpoint(db: D1Database): Promise<number> {
  const t = await dbNow(db);
  while ((await dbNow(db)) <= t + 2) await new Promise((r) => setTimeout(r, 2));
  return t;
}

export async function userTables(db: D1Database): Promise<string[]> {
  const { results } = await db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all<{ name: string }>();
  return results.map((r) => r.name);
}

/** A second person (bob, an approver with a second factor) approves a change request; answers the decided change. */
export async function approveChange(changeId: string): Promise<any> {
  const r = await api("POST", `/admin/changes/${changeId}/approve`, { as: "bob", body: { comment: "checked with the requester" } });
  if (r.status !== 200) throw new Error(`change approval refused: ${JSON.stringify(r.json)}`);
  return r.json;
}

/**
 * Sets a retention policy as an operator would: at once when it keeps at least as much; when it keeps less, alice
 * asks (second factor), bob approves, and the delay is skipped by carrying out due changes as of a day later.
 */
export async function applyPolicy(policy: unknown): Promise<any> {
  const r = await api("PUT", "/admin/backup/policies", { as: "alice", body: policy });
  if (r.status === 200) return r.json;
  if (r.status !== 202) throw new Error(`policy refused: ${JSON.stringify(r.json)}`);
  await approveChange(r.json.change_id);
  await applyDueChanges(env, new Date(Date.now() + 49 * 3_600_000));
  return (await api("GET", "/admin/backup/policies")).json;
}

/** Runs retention now and follows the run to its end. */
export async function runRetention(): Promise<any> {
  const started = await api("POST", "/admin/backup/retention/run");
  if (started.status !== 202) throw new Error(`retention refused: ${JSON.stringify(started.json)}`);
  return waitFor(
    async () => (await api("GET", `/admin/backup/retention/runs/${started.json.run_id}`)).json,
    (r) => r.status !== "running",
    120_000,
  );
}

/** Backdates a backup in the catalog (what the policy measures), as if it had been made `days` ago. */
export async function backdate(id: string, days: number): Promise<void> {
  const at = new Date(Date.now() - days * 86_400_000).toISOString();
  await env.CATALOG_DB.prepare(`UPDATE backups SET created_at = ?, completed_at = ? WHERE id = ? OR parent_id = ?`)
    .bind(at, at, id, id)
    .run();
}

/**
 * A restore into the test target (`body` adds the backup or instant and any selection): the answer, and when it was
 * accepted, its status at the end, once its instance has finished too (it may still be dropping replaced tables).
 */
export async function restoreToTest(body: Record<string, unknown>): Promise<{ started: { status: number; json: any }; done: any }> {
  const started = await api("POST", "/admin/backup/restore", { body: { target_environment: "test", ...body } });
  if (started.status !== 202) return { started, done: null };
  const done = await waitFor(
    async () => (await api("GET", `/admin/restore/${started.json.restore_id}`)).json,
    (r) => ["completed", "failed"].includes(r.status),
  );
  const instance = await env.DATABASE_RESTORE.get(started.json.restore_id);
  await waitFor(
    async () => (await instance.status()).status,
    (s) => s === "complete" || s === "errored",
  );
  return { started, done };
}

/** A restore of `backupId` into the test target, followed to its end (its status). */
export async function restoreToTestTarget(backupId: string): Promise<any> {
  const { started, done } = await restoreToTest({ backup_id: backupId });
  if (started.status !== 202) throw new Error(`restore refused: ${JSON.stringify(started.json)}`);
  return done;
}

/** Starts a backup of `type` through the API and follows it to its end; it must complete. */
export async function backupOfType(type: string): Promise<any> {
  const created = await api("POST", "/admin/backup/create", { body: { type } });
  if (created.status !== 202) throw new Error(`backup refused: ${JSON.stringify(created.json)}`);
  const b = await waitFor(
    async () => (await api("GET", `/admin/backup/${created.json.backup_id}`)).json,
    (x) => x.status === "completed" || x.status === "failed",
    120_000,
  );
  if (b.status !== "completed") throw new Error(`backup ${b.backup_id} failed: ${JSON.stringify(b.error)}`);
  return b;
}

/** Restores `components` to the instant `at` into the test targets and follows it to its end; it must complete. */
export async function restoreToInstant(at: string, components: string[]): Promise<{ started: any; done: any }> {
  const started = await api("POST", "/admin/backup/restore", { body: { target_environment: "test", target_timestamp: at, components } });
  if (started.status !== 202) throw new Error(`restore refused: ${JSON.stringify(started.json)}`);
  const done = await waitRestore(started.json.restore_id);
  if (done.status !== "completed") throw new Error(`restore failed: ${JSON.stringify(done.error)}`);
  return { started: started.json, done };
}
