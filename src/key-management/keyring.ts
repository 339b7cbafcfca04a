import { z } from "zod";
import { ConfigError } from "../errors";
import { importMasterKey, type MasterKey } from "../repo/key-material";

/**
 * The master keys this deployment holds (docs/KEYS.md): `BACKUP_ENCRYPTION_KEY` is the current one, which wraps every
 * new data key and every re-wrap; `BACKUP_ENCRYPTION_KEYS_OLD` (a JSON array of base64 keys) keeps earlier ones until
 * a rotation has re-wrapped everything they wrapped and they are retired.
 */
export interface Keyring {
  current: MasterKey;
  old: MasterKey[];
}

const OldKeys = z.array(z.string().min(1));

export async function loadKeyring(current: string | undefined, oldRaw?: string): Promise<Keyring> {
  const cur = await importMasterKey(current, "BACKUP_ENCRYPTION_KEY");
  let list: string[] = [];
  if (oldRaw?.trim()) {
    let json: unknown;
    try {
      json = JSON.parse(oldRaw);
    } catch {
      throw new ConfigError("BACKUP_ENCRYPTION_KEYS_OLD must be a JSON array of base64 keys", "BACKUP_ENCRYPTION_KEYS_OLD");
    }
    const parsed = OldKeys.safeParse(json);
    if (!parsed.success)
      throw new ConfigError("BACKUP_ENCRYPTION_KEYS_OLD must be a JSON array of base64 keys", "BACKUP_ENCRYPTION_KEYS_OLD");
    list = parsed.data;
  }
  const old: MasterKey[] = [];
  for (const [i, k] of list.entries()) {
    const m = await importMasterKey(k, `BACKUP_ENCRYPTION_KEYS_OLD[${i}]`);
    if (m.kekId !== cur.kekId && !old.some((o) => o.kekId === m.kekId)) old.push(m);
  }
  return { current: cur, old };
}

/** The keyring of a Worker's environment. */
export function keyringOf(env: { BACKUP_ENCRYPTION_KEY?: string; BACKUP_ENCRYPTION_KEYS_OLD?: string }): Promise<Keyring> {
  return loadKeyring(env.BACKUP_ENCRYPTION_KEY, env.BACKUP_ENCRYPTION_KEYS_OLD);
}
