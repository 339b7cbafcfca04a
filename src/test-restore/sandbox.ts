import type { SessionManifest } from "../../schemas/sessions";
import { sessionStub } from "../sessions/objects";
import { ident } from "../db/sql";
import type { Env } from "../env";
import { dropTablesBounded } from "../restore/drop-plan";
import type { Repository } from "../repo/repository";
import { mapLimit } from "../sessions/limit";
import { readSessionSegment } from "../sessions/restore-sessions";

/**
 * Emptying the sandbox a test restore used. Only ever the sandbox bindings (RESTORE_TARGET_DB,
 * RESTORE_TARGET_BUCKET) and `sandbox:` session objects: the function signatures take nothing else.
 */

/**
 * Drops every table, view and trigger in the sandbox database: views and triggers in one call, then the tables one
 * call each, children before parents (src/restore/drop-plan.ts), so no call grows with the sandbox's size.
 */
export async function clearSandboxDatabase(db: D1Database): Promise<number> {
  const { results } = await db
    .prepare(
      "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view', 'trigger') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'",
    )
    .all<{ type: string; name: string }>();
  const tables = results.filter((r) => r.type === "table").map((r) => r.name);
  const others = results.filter((r) => r.type !== "table");
  if (others.length) await db.batch(others.map((r) => db.prepare(`DROP ${r.type.toUpperCase()} IF EXISTS ${ident(r.name)}`)));
  await dropTablesBounded(db, tables);
  // AUTOINCREMENT counters of the dropped tables would otherwise linger in sqlite_sequence.
  const seq = await db.prepare("SELECT 1 AS x FROM sqlite_master WHERE name = 'sqlite_sequence'").first("x");
  if (seq) await db.prepare("DELETE FROM sqlite_sequence").run();
  return tables.length;
}

/** Deletes every object in the sandbox bucket, a page (up to 1,000 keys) at a time. */
export async function clearSandboxBucket(bucket: R2Bucket): Promise<number> {
  let n = 0;
  for (;;) {
    const page = await bucket.list({ limit: 1000 });
    if (!page.objects.length) return n;
    await bucket.delete(page.objects.map((o) => o.key));
    n += page.objects.length;
  }
}

/** Discards the `prefix`-named copies of the objects in one segment of a session backup. */
export async function discardSandboxSessions(
  env: Env,
  repo: Repository,
  manifest: SessionManifest,
  segment: number,
  prefix: string,
): Promise<number> {
  if (!prefix) throw new Error("refusing to discard session objects without a sandbox prefix");
  const entries = await readSessionSegment(repo, manifest.segments[segment]!.id);
  await mapLimit(entries, 8, async (e) => {
    await sessionStub(env, prefix + e.name).vaultlineDiscard();
  });
  return entries.length;
}

/** What is left in the sandbox database and bucket (both must be empty after a drill). */
export async function sandboxResidue(env: Env): Promise<{ tables: number; objects: number }> {
  const tables = await env.RESTORE_TARGET_DB.prepare(
    "SELECT count(*) AS n FROM sqlite_master WHERE type IN ('table', 'view', 'trigger', 'index') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'",
  ).first<number>("n");
  const objects = (await env.RESTORE_TARGET_BUCKET.list({ limit: 1 })).objects.length;
  return { tables: tables ?? 0, objects };
}
