import type { SessionRestoreOptions } from "../../schemas/workflows";
import { SessionObjectEntry, type SessionManifest } from "../../schemas/sessions";
import type { Env } from "../env";
import { fromUtf8 } from "../repo/bytes";
import type { Repository } from "../repo/repository";
import { type StateEntry, markChanged, registerObject } from "./contract";
import { marksTableExists } from "./marks";
import { CONCURRENCY, ENTRIES_PER_CALL } from "./export-sessions";
import { mapLimit } from "./limit";
import { sessionRegistry, sessionStub } from "./objects";

export type { SessionRestoreOptions };

export async function readSessionSegment(repo: Repository, id: string): Promise<SessionObjectEntry[]> {
  return fromUtf8
    .decode(await repo.getChunk(id))
    .split("\n")
    .filter(Boolean)
    .map((l) => SessionObjectEntry.parse(JSON.parse(l)));
}

/** Restores the selected objects of one index segment, CONCURRENCY at a time; each object's import is atomic. */
export async function restoreSessionSegment(
  env: Env,
  repo: Repository,
  manifest: SessionManifest,
  segment: number,
  restoreId: string,
  opts: SessionRestoreOptions,
) {
  const chosen = (await readSessionSegment(repo, manifest.segments[segment]!.id)).filter(
    (e) => !opts.objects || opts.objects.includes(e.name),
  );
  const now = Date.now();
  const results = await mapLimit(chosen, CONCURRENCY, async (entry) => {
    const lines = fromUtf8
      .decode(await repo.getChunk(entry.chunk))
      .split("\n")
      .filter(Boolean);
    const target = opts.name_prefix + entry.name;
    const stub = sessionStub(env, target);
    let result: { applied: number; skipped: number } | null = null;
    for (let i = 0; i === 0 || i < lines.length; i += ENTRIES_PER_CALL) {
      const page = lines.slice(i, i + ENTRIES_PER_CALL).map((l) => JSON.parse(l) as StateEntry);
      const final = i + ENTRIES_PER_CALL >= lines.length;
      result = (await stub.vaultlineImport({
        restoreId,
        entries: page,
        final,
        ...(final && opts.skip_expired ? { skipExpiredBefore: now } : {}),
      })) as { applied: number; skipped: number } | null;
    }
    // Production objects register, as they do themselves; sandbox copies must not enter production's registry
    // (the next session backup would pick them up). Test restores discard them by name instead.
    const registry = sessionRegistry(env);
    if (!opts.name_prefix && registry) await registerObject(env.OIDC_DB, registry.namespace, target, registry.table);
    return result ?? { applied: 0, skipped: 0 };
  });
  // With the change feed on, production objects a restore wrote are shipped again: their restored state is the newest.
  const registry = sessionRegistry(env);
  if (!opts.name_prefix && registry && chosen.length && (await marksTableExists(env.OIDC_DB)))
    await markChanged(
      env.OIDC_DB,
      registry.namespace,
      chosen.map((e) => e.name),
    );
  return {
    objects: chosen.length,
    applied: results.reduce((n, r) => n + r.applied, 0),
    skipped: results.reduce((n, r) => n + r.skipped, 0),
  };
}
