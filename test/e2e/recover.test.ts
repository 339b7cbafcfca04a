import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, join, relative, sep } from "node:path";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { buildCliPackage } from "../../scripts/build-cli.ts";
import { DatabaseSync } from "node:sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { vaultline } from "../shared/vaultline-cli.ts";
import { getPlatformProxy } from "wrangler";
import { AwsV4Signer } from "aws4fetch";
import { startDev, type DevServer } from "../../scripts/lib/dev-server.ts";
import { applyLocalMigrations, ensureDevVars } from "../../scripts/lib/local-setup.ts";
import { seed } from "../../scripts/seed.ts";
import { waitFor } from "../shared/wait.ts";

const ADMIN = { authorization: "Bearer vl-demo-admin", "content-type": "application/json" };
const PORT = 8813;

async function call(dev: DevServer, method: string, path: string, body?: unknown) {
  const r = await fetch(`${dev.url}${path}`, { method, headers: ADMIN, body: body === undefined ? undefined : JSON.stringify(body) });
  const j: any = await r.json();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(j)}`);
  return j;
}
async function backup(dev: DevServer, type: string) {
  const c = await call(dev, "POST", "/admin/backup/create", { type });
  const b = await waitFor(
    () => call(dev, "GET", `/admin/backup/${c.backup_id}`),
    (x) => x.status === "completed" || x.status === "failed",
    300_000,
  );
  expect(b.status, JSON.stringify(b.error)).toBe("completed");
  return c.backup_id as string;
}

/** Every user table's rows, each value with its storage class, blobs as hex: the same for D1 and node:sqlite. */
function normalise(rows: Record<string, unknown>[]) {
  const hex = (v: unknown) => Buffer.from(Array.isArray(v) ? Uint8Array.from(v as number[]) : (v as Uint8Array)).toString("hex");
  return rows.map((r) =>
    Object.fromEntries(
      Object.entries(r).map(([k, v]) => [k, r[`${k}:type`] === "blob" ? hex(v) : typeof v === "bigint" ? v.toString() : v]),
    ),
  );
}
const tablesSql = `SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE '_vaultline_%' ORDER BY name`;
function selectAll(table: string, cols: string[], withoutRowid: boolean) {
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
  return `SELECT ${cols.flatMap((c) => [`typeof(${q(c)}) AS ${q(`${c}:type`)}`, `${q(c)} AS ${q(c)}`]).join(", ")} FROM ${q(table)} ORDER BY ${withoutRowid ? "1" : "rowid"}`;
}

describe("recovery without Cloudflare (npx vaultline recover, and the packaged CLI)", () => {
  const dir = mkdtempSync(join(process.cwd(), ".e2e-recover-"));
  let dev: DevServer | undefined;
  afterAll(async () => {
    await dev?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("writes a database backup out as a SQLite file equal row for row to the source, and the assets as files, from a plain copy of the bucket", async () => {
    ensureDevVars();
    const state = join(dir, "state");
    applyLocalMigrations(state);
    await seed({ users: 2000, reset: false, persistTo: state, quiet: true });
    dev = await startDev({ port: PORT, persistTo: state });
    await call(dev, "POST", "/admin/capture/install");
    await call(dev, "POST", "/admin/demo/seed-assets", { objects: 12, bytes: 300_000, prefix: "files/" });
    const system = await backup(dev, "full_system");
    await call(dev, "POST", "/admin/demo/change", { percent: 5 });
    await new Promise((r) => setTimeout(r, 1200));
    const incremental = await backup(dev, "incremental_database");
    await dev.stop();
    dev = undefined;

    // The source as it is now, and a plain copy of the backup bucket (no metadata: as rclone or aws s3 sync leave it).
    const proxy = await getPlatformProxy<{ OIDC_DB: D1Database; BACKUP_BUCKET: R2Bucket; ASSETS_BUCKET: R2Bucket }>({
      persist: { path: join(state, "v3") },
    });
    const source: Record<string, unknown[]> = {};
    const repoDir = join(dir, "bucket");
    const assets = new Map<string, Buffer>();
    try {
      for (const t of (await proxy.env.OIDC_DB.prepare(tablesSql).all<{ name: string; sql: string }>()).results) {
        const cols = (
          await proxy.env.OIDC_DB.prepare(`SELECT name FROM pragma_table_info(?)`).bind(t.name).all<{ name: string }>()
        ).results.map((c) => c.name);
        source[t.name] = normalise(
          (await proxy.env.OIDC_DB.prepare(selectAll(t.name, cols, /WITHOUT\s+ROWID/i.test(t.sql))).all()).results as Record<
            string,
            unknown
          >[],
        );
      }
      for (const [bucket, into] of [
        [proxy.env.BACKUP_BUCKET, repoDir],
        [proxy.env.ASSETS_BUCKET, null],
      ] as const) {
        let cursor: string | undefined;
        do {
          const page = await bucket.list({ cursor });
          for (const o of page.objects) {
            const bytes = Buffer.from(await (await bucket.get(o.key))!.arrayBuffer());
            if (into) {
              mkdirSync(dirname(join(into, o.key)), { recursive: true });
              writeFileSync(join(into, o.key), bytes);
            } else assets.set(o.key, bytes);
          }
          cursor = page.truncated ? page.cursor : undefined;
        } while (cursor);
      }
    } finally {
      await proxy.dispose();
    }
    const key = /^BACKUP_ENCRYPTION_KEY=(\S+)$/m.exec(readFileSync(".dev.vars", "utf8"))![1]!;

    const listed = await vaultline(["recover", "list", "--from", repoDir, "--json"], { BACKUP_ENCRYPTION_KEY: key });
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout).backups.map((b: any) => b.backup_id)).toEqual(
      expect.arrayContaining([system, `${system}_database`, incremental]),
    );

    // Escrow: `keys export` copies the config and every key wrap out. A copy of the repository that lost them (deleted
    // from the bucket) lists nothing; put back from the escrow copy, it lists every backup again.
    const escrow = join(dir, "escrow");
    const exported = await vaultline(["keys", "export", "--from", repoDir, "--out", escrow, "--json"], { BACKUP_ENCRYPTION_KEY: key });
    expect(exported.code, exported.stderr).toBe(0);
    const escrowed = JSON.parse(exported.stdout).files as string[];
    expect(escrowed[0]).toBe("config");
    expect(escrowed.filter((f) => f.startsWith("keys/")).length).toBeGreaterThanOrEqual(1);
    const stripped = join(dir, "stripped");
    cpSync(repoDir, stripped, { recursive: true });
    for (const f of escrowed) rmSync(join(stripped, f));
    const lost = await vaultline(["recover", "list", "--from", stripped, "--json"], { BACKUP_ENCRYPTION_KEY: key });
    expect(lost.code).toBe(1);
    cpSync(escrow, stripped, { recursive: true });
    const back = await vaultline(["recover", "list", "--from", stripped, "--json"], { BACKUP_ENCRYPTION_KEY: key });
    expect(back.code, back.stderr).toBe(0);
    expect(JSON.parse(back.stdout).backups).toEqual(JSON.parse(listed.stdout).backups);

    // The incremental backup: its base's rows, its base's window and its own segments replayed: the database as it is now.
    const out = join(dir, "recovered.sqlite");
    const db = await vaultline(["recover", "database", "--from", repoDir, "--backup", incremental, "--out", out], {
      BACKUP_ENCRYPTION_KEY: key,
    });
    expect(db.code, db.stderr).toBe(0);
    expect(db.stdout).toMatch(/checksum verified/);
    expect(db.stdout).toMatch(/integrity_check ok/);
    const sqlite = new DatabaseSync(out, { readOnly: true });
    const recovered: Record<string, unknown[]> = {};
    for (const t of sqlite.prepare(tablesSql).all() as { name: string; sql: string }[]) {
      const cols = (sqlite.prepare(`SELECT name FROM pragma_table_info(?)`).all(t.name) as { name: string }[]).map((c) => c.name);
      recovered[t.name] = normalise(
        sqlite.prepare(selectAll(t.name, cols, /WITHOUT\s+ROWID/i.test(t.sql))).all() as Record<string, unknown>[],
      );
    }
    sqlite.close();
    expect(Object.keys(recovered)).toEqual(Object.keys(source));
    for (const name of Object.keys(source)) expect(recovered[name], name).toEqual(source[name]);

    // The assets of the full-system backup: every object, byte for byte, with its metadata.
    const files = join(dir, "assets");
    const a = await vaultline(["recover", "assets", "--from", repoDir, "--backup", system, "--out", files, "--json"], {
      BACKUP_ENCRYPTION_KEY: key,
    });
    expect(a.code, a.stderr).toBe(0);
    expect(JSON.parse(a.stdout).objects).toBe(assets.size);
    for (const [k, bytes] of assets) expect(readFileSync(join(files, k)).equals(bytes), k).toBe(true);
    const meta = readFileSync(`${files}.metadata.jsonl`, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(meta.map((m) => m.key).sort()).toEqual([...assets.keys()].sort());

    // The same repository read through an S3-compatible endpoint (a local stand-in serving the copy, checking each
    // request's Signature Version 4 for the given key and region), into the same rows.
    const seen: string[] = [];
    // Each request is checked by signing what arrived again with the secret (aws4fetch's signer, the request's own
    // date): a signature over another path, query, region or key does not match.
    const s3 = createServer(async (req, res) => {
      const auth = req.headers.authorization ?? "";
      const date = String(req.headers["x-amz-date"] ?? "");
      const expected = await new AwsV4Signer({
        url: `http://${req.headers.host}${req.url}`,
        method: req.method,
        headers: { "x-amz-content-sha256": String(req.headers["x-amz-content-sha256"] ?? "") },
        accessKeyId: "AKIDTEST",
        secretAccessKey: "s3-test-secret",
        service: "s3",
        region: "auto",
        datetime: date,
      }).authHeader();
      if (!date || auth !== expected || !auth.includes("SignedHeaders=host;x-amz-content-sha256;x-amz-date"))
        return void res.writeHead(403).end("<Error><Code>SignatureDoesNotMatch</Code></Error>");
      const url = new URL(req.url!, "http://s3.test");
      seen.push(`${req.method} ${url.pathname}${url.search}`);
      const [, bucket, ...rest] = url.pathname.split("/");
      if (bucket !== "vaultline-backups") return void res.writeHead(404).end();
      if (rest.length === 0) {
        const prefix = url.searchParams.get("prefix") ?? "";
        const all = readdirSync(repoDir, { recursive: true, withFileTypes: true })
          .filter((e) => e.isFile())
          .map((e) => relative(repoDir, join(e.parentPath, e.name)).split(sep).join("/"))
          .filter((k) => k.startsWith(prefix))
          .sort();
        const body = all
          .map(
            (k) =>
              `<Contents><Key>${k}</Key><Size>${statSync(join(repoDir, k)).size}</Size><LastModified>2026-11-29T00:00:00.000Z</LastModified></Contents>`,
          )
          .join("");
        return void res
          .writeHead(200, { "content-type": "application/xml" })
          .end(`<ListBucketResult><IsTruncated>false</IsTruncated>${body}</ListBucketResult>`);
      }
      const file = join(repoDir, ...rest.map(decodeURIComponent));
      if (!existsSync(file)) return void res.writeHead(404).end();
      const bytes = readFileSync(file);
      res.writeHead(200, { "content-length": bytes.length }).end(req.method === "HEAD" ? undefined : bytes);
    });
    await new Promise<void>((ok) => s3.listen(0, "127.0.0.1", ok));
    const endpoint = `http://127.0.0.1:${(s3.address() as { port: number }).port}`;
    const s3env = { BACKUP_ENCRYPTION_KEY: key, AWS_ACCESS_KEY_ID: "AKIDTEST", AWS_SECRET_ACCESS_KEY: "s3-test-secret" };
    const viaS3 = join(dir, "via-s3.sqlite");
    const listS3 = await vaultline(["recover", "list", "--s3-endpoint", endpoint, "--s3-bucket", "vaultline-backups", "--json"], s3env);
    expect(listS3.code, listS3.stderr).toBe(0);
    expect(JSON.parse(listS3.stdout)).toEqual(JSON.parse(listed.stdout));
    expect(seen.some((r) => r.startsWith("GET /vaultline-backups?") && r.includes("list-type=2"))).toBe(true);
    const fromS3 = await vaultline(
      ["recover", "database", "--s3-endpoint", endpoint, "--s3-bucket", "vaultline-backups", "--backup", incremental, "--out", viaS3],
      s3env,
    );
    s3.close();
    expect(fromS3.code, fromS3.stderr).toBe(0);
    expect(seen.some((r) => r.startsWith("GET /vaultline-backups/data/"))).toBe(true);
    const s3db = new DatabaseSync(viaS3, { readOnly: true });
    for (const name of Object.keys(source)) {
      const t = s3db.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number };
      expect(t.n, name).toBe(source[name]!.length);
    }
    s3db.close();

    // The CLI as a package of its own (npm run build:cli): installed into an empty folder outside this repository
    // (no node_modules above it, nothing but the tarball), it answers --help and recovers the same rows.
    const { tarball } = await buildCliPackage(join(dir, "dist"));
    const empty = mkdtempSync(join(tmpdir(), "vaultline-cli-"));
    try {
      execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", tarball], { cwd: empty, stdio: "pipe" });
      expect(readdirSync(join(empty, "node_modules")).filter((n) => !n.startsWith("."))).toEqual(["@vaultline"]);
      const bin = join(empty, "node_modules", ".bin", "vaultline");
      const help = await vaultline(["--help"], {}, empty, bin);
      expect(help.code, help.stderr).toBe(0);
      expect(help.stdout).toMatch(/^usage:\n {2}vaultline backup create/);
      const installedList = await vaultline(["recover", "list", "--from", repoDir, "--json"], { BACKUP_ENCRYPTION_KEY: key }, empty, bin);
      expect(installedList.code, installedList.stderr).toBe(0);
      expect(JSON.parse(installedList.stdout)).toEqual(JSON.parse(listed.stdout));
      const viaPackage = join(empty, "recovered.sqlite");
      const installedDb = await vaultline(
        ["recover", "database", "--from", repoDir, "--backup", incremental, "--out", viaPackage],
        { BACKUP_ENCRYPTION_KEY: key },
        empty,
        bin,
      );
      expect(installedDb.code, installedDb.stderr).toBe(0);
      expect(installedDb.stdout).toMatch(/integrity_check ok/);
      const pkgDb = new DatabaseSync(viaPackage, { readOnly: true });
      for (const name of Object.keys(source))
        expect((pkgDb.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n, name).toBe(source[name]!.length);
      pkgDb.close();
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }

    // A wrong key, or an altered object, stops it with the reason, never with garbage.
    const wrong = await vaultline(["recover", "database", "--from", repoDir, "--backup", system, "--out", join(dir, "x.sqlite")], {
      BACKUP_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"),
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/\[key_mismatch\] no master key held here opens this repository/);
    const victim = join(repoDir, "manifests", `${system}_database`);
    const bytes = readFileSync(victim);
    bytes[bytes.length - 5]! ^= 0xff;
    writeFileSync(victim, bytes);
    const altered = await vaultline(["recover", "database", "--from", repoDir, "--backup", system, "--out", join(dir, "y.sqlite")], {
      BACKUP_ENCRYPTION_KEY: key,
    });
    expect(altered.code).toBe(1);
    expect(altered.stderr).toMatch(new RegExp(`\\[integrity_error\\] manifests/${system}_database: authentication failed`));
  });
});
