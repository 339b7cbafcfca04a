import type { DatabaseManifest } from "../../schemas/manifest";
import type { TestCheck } from "../../schemas/test-restore";
import { readSegment } from "../assets/index-lookup";
import type { AssetManifest } from "../../schemas/assets";
import type { SessionManifest } from "../../schemas/sessions";
import type { ProviderProfile } from "../../schemas/provider";
import { checkProfile } from "../provider/check";
import { ident } from "../db/sql";
import type { Env } from "../env";
import type { Repository } from "../repo/repository";
import { readSessionSegment } from "../sessions/restore-sessions";
import type { ExportPage } from "../sessions/contract";
import { sessionStub } from "../sessions/objects";
import { verifySchemaObjects } from "../restore/verify-against-manifest";

type Check = Omit<TestCheck, "component" | "ms">;

/** Runs one check, timing it; an exception is a failed check with its message, never a crashed drill. */
export async function timed(
  component: TestCheck["component"],
  name: string,
  fn: () => Promise<Check | Omit<Check, "name">>,
): Promise<TestCheck> {
  const began = Date.now();
  try {
    return { component, name, ...(await fn()), ms: Date.now() - began };
  } catch (e) {
    return { component, name, passed: false, detail: (e as Error).message.slice(0, 500), ms: Date.now() - began };
  }
}

/**
 * The restored copy's checks: its schema equals the backup's, the provider profile still matches it (every table and
 * column it names exists, the user key has its type), the declared foreign keys hold, the profile's undeclared
 * references hold, and each of the profile's probes returns rows. Every query here is bounded: counts and probes.
 */
export async function databaseChecks(db: D1Database, manifest: DatabaseManifest, profile: ProviderProfile): Promise<TestCheck[]> {
  const checks: TestCheck[] = [];
  checks.push(
    await timed("database", "schema equals the backup", async () => {
      await verifySchemaObjects(db, manifest);
      return { passed: true, detail: `${manifest.schema.objects.length} schema objects, each with the backup's SQL` };
    }),
  );
  checks.push(
    await timed("database", `provider profile "${profile.name}" matches the restored copy`, async () => {
      const check = await checkProfile(db, profile, { restoredCopy: true });
      return {
        passed: check.ok,
        detail: check.ok
          ? `${check.user_rows.length} place(s) hold a user's rows: ${check.user_rows.map((o) => `${o.table}.${o.column}`).join(", ")}`
          : check.problems.map((p) => `${p.field}: ${p.message}`).join("; "),
      };
    }),
  );
  if (profile.checks.foreign_keys) {
    checks.push(
      await timed("database", "referential integrity (declared foreign keys)", async () => {
        const { results } = await db.prepare("PRAGMA foreign_key_check").all<{ table: string; rowid: number; parent: string }>();
        const sample = results.slice(0, 5).map((r) => `${r.table} row ${r.rowid} -> ${r.parent}`);
        return {
          passed: results.length === 0,
          detail: results.length ? `${results.length} violation(s): ${sample.join("; ")}` : "no row references a missing parent",
        };
      }),
    );
  }
  const rules = profile.checks.references;
  if (rules.length) {
    checks.push(
      await timed("database", "provider references (undeclared foreign keys)", async () => {
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
          detail: broken.length
            ? broken.map(({ r, n }) => `${n} ${r.table}.${r.column} without ${r.parent}.${r.key}`).join("; ")
            : `${rules.length} reference(s) hold`,
        };
      }),
    );
  }
  for (const probe of profile.checks.probes) {
    checks.push(
      await timed("database", `probe: ${probe.name}`, async () => {
        const row = await db.prepare(probe.sql).first();
        return { passed: row !== null, detail: row !== null ? "returned rows" : "returned no row" };
      }),
    );
  }
  return checks;
}

/** Reads back a few restored sandbox objects through their export RPC: each must hold what the backup says. */
export async function sessionChecks(env: Env, repo: Repository, manifest: SessionManifest, prefix: string): Promise<TestCheck[]> {
  if (!manifest.segments.length)
    return [{ component: "sessions", name: "probe: read a session object", passed: true, detail: "the backup has no objects", ms: 0 }];
  return [
    await timed("sessions", "probe: read restored session objects", async () => {
      const sample = (await readSessionSegment(repo, manifest.segments[0]!.id)).filter((e) => e.entries > 0).slice(0, 3);
      for (const e of sample) {
        const stub = sessionStub(env, prefix + e.name);
        const page = (await stub.vaultlineExport(null, 1)) as unknown as ExportPage;
        if (!page.entries.length)
          return { passed: false, detail: `${prefix}${e.name} is empty; the backup has ${e.entries} entries for it` };
      }
      return { passed: true, detail: `${sample.length} object(s) read back: ${sample.map((e) => prefix + e.name).join(", ")}` };
    }),
  ];
}

/** Heads a few restored objects in the sandbox bucket: each must exist with the backed-up size. */
export async function assetChecks(bucket: R2Bucket, repo: Repository, manifest: AssetManifest): Promise<TestCheck[]> {
  if (!manifest.segments.length)
    return [{ component: "assets", name: "probe: read restored objects", passed: true, detail: "the backup has no objects", ms: 0 }];
  return [
    await timed("assets", "probe: read restored objects", async () => {
      const sample = (await readSegment(repo, manifest.segments[0]!.id)).slice(0, 3);
      for (const o of sample) {
        const head = await bucket.head(o.key);
        if (!head || head.size !== o.size)
          return { passed: false, detail: `${o.key}: ${head ? `${head.size} bytes, the backup has ${o.size}` : "missing"}` };
      }
      return { passed: true, detail: `${sample.length} object(s) present with their sizes: ${sample.map((o) => o.key).join(", ")}` };
    }),
  ];
}
