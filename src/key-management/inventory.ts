import type { KeyReport, MasterKeyStatus } from "../../schemas/keys";
import { Layout } from "../repo/layout";
import { readRepositoryConfig } from "../repo/repository-config";
import type { Keyring } from "./keyring";
import { countCompletedBackups } from "../catalog/backups";

/** Every data key in the bucket and the master keys that wrap it (`keys/<data_key_id>/<kek_id>.json`). */
export async function listWraps(bucket: R2Bucket): Promise<Map<string, string[]>> {
  const wraps = new Map<string, string[]>();
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix: Layout.keysPrefix, cursor, limit: 1000 });
    for (const o of page.objects) {
      const m = /^keys\/([0-9a-f]{32})\/([0-9a-f]{16})\.json$/.exec(o.key);
      if (!m) continue;
      wraps.set(m[1]!, [...(wraps.get(m[1]!) ?? []), m[2]!]);
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return wraps;
}

/**
 * Which master key is still needed for what (docs/KEYS.md). A key is retirable when every data key it wraps is also
 * wrapped by the current key; `backups_needing_it` counts the completed backups that would stop restoring if it
 * went before that.
 */
export async function keyReport(bucket: R2Bucket, db: D1Database, keyring: Keyring): Promise<KeyReport> {
  const wraps = await listWraps(bucket);
  const current = keyring.current.kekId;
  const keks = new Set<string>([current, ...keyring.old.map((k) => k.kekId)]);
  for (const list of wraps.values()) for (const k of list) keks.add(k);
  // Every backup of a repository is sealed with its one data key (config.data_key_id); manifests record it too.
  const config = await readRepositoryConfig(bucket);
  const completed = await countCompletedBackups(db);
  const backups = new Map(config ? [[config.data_key_id, completed]] : []);
  const master_keys: MasterKeyStatus[] = [...keks].sort().map((kek) => {
    const wrapsHere = [...wraps].filter(([, list]) => list.includes(kek)).map(([dk]) => dk);
    const needed = kek === current ? wrapsHere : wrapsHere.filter((dk) => !wraps.get(dk)!.includes(current));
    return {
      kek_id: kek,
      held_as: kek === current ? "current" : keyring.old.some((k) => k.kekId === kek) ? "old" : "not_held",
      wraps: wrapsHere,
      still_needed_for: needed,
      backups_needing_it: needed.reduce((n, dk) => n + (backups.get(dk) ?? 0), 0),
      retirable: kek !== current && needed.length === 0 && wrapsHere.length > 0,
    };
  });
  return { current_kek: current, data_keys: [...wraps].map(([data_key_id, wrapped_by]) => ({ data_key_id, wrapped_by })), master_keys };
}
