import { compareKeys } from "../assets/index-lookup";
import type { Env } from "../env";
import { ValidationError } from "../errors";
import { openSessionManifest } from "../repo/open";
import { readSessionSegment } from "./restore-sessions";

/** Checks that a session backup holds every named object, naming the first that it does not. */
export async function checkSessionObjects(env: Env, backupId: string, names: string[]): Promise<void> {
  const { repo, manifest } = await openSessionManifest(env, backupId);
  const wanted = new Set(names);
  for (const s of manifest.segments) {
    // The registry orders names by D1's binary collation (UTF-8 bytes), as compareKeys does.
    if (![...wanted].some((n) => compareKeys(n, s.first) >= 0 && compareKeys(n, s.last) <= 0)) continue;
    for (const e of await readSessionSegment(repo, s.id)) wanted.delete(e.name);
    if (!wanted.size) return;
  }
  const missing = names.findIndex((n) => wanted.has(n));
  throw new ValidationError(
    `sessions.objects[${missing}]: backup ${backupId} has no object "${names[missing]}"`,
    `sessions.objects[${missing}]`,
  );
}
