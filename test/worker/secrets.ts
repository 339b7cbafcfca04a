import { env } from "cloudflare:test";
import { listWraps } from "../../src/key-management/inventory";
import { importMasterKey, unwrapRaw } from "../../src/repo/key-material";
import { readWrappedKey } from "../../src/repo/key-objects";
import { dataKeyDigests, findSecrets } from "../shared/secrets";
import { OTHER_MASTER_KEY, PREVIOUS_MASTER_KEY, TEST_MASTER_KEY } from "../tokens";

/** Digests of every data key in the backup bucket right now, opened with whichever test master key wraps it. */
export async function currentDataKeyDigests(): Promise<string[]> {
  const masters = await Promise.all([TEST_MASTER_KEY, PREVIOUS_MASTER_KEY, OTHER_MASTER_KEY].map((k) => importMasterKey(k)));
  const digests: string[] = [];
  for (const [dk, keks] of await listWraps(env.BACKUP_BUCKET)) {
    const master = masters.find((m) => keks.includes(m.kekId));
    const doc = master ? await readWrappedKey(env.BACKUP_BUCKET, dk, master.kekId) : null;
    if (master && doc) digests.push(...(await dataKeyDigests(await unwrapRaw(master, dk, doc))));
  }
  return digests;
}

/** Fails the calling test at once when a response carries a secret: a master key, an API token or a data key. */
export async function assertNoSecretIn(text: string, where: string): Promise<void> {
  const found = await findSecrets(text, new Set(await currentDataKeyDigests()));
  if (found.length) throw new Error(`${where} contains ${found.join(", ")}`);
}
