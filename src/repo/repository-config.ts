/**
 * The repository's `config` (docs/FORMAT.md, "Config"): read without a key, authenticated once the data key is at
 * hand, created once in an empty bucket and never over an existing repository.
 */
import { FORMAT_VERSION } from "../../schemas/manifest";
import { RepositoryConfig } from "../../schemas/repository";
import { IntegrityError } from "../errors";
import { toHex } from "./bytes";
import { configMacOf, importDataKey, type MasterKey, newDataKeyMaterial } from "./key-material";
import { writeWrappedKey } from "./key-objects";
import { Layout } from "./layout";

/** Content-defined chunking parameters of a new repository (recorded in its config and in each database manifest). */
export const CHUNKER = { min: 1 << 20, avg_extra: 1 << 20, max: 8 << 20 } as const;

/** The repository's plaintext config, or null when the bucket holds no repository yet. Needs no key. */
export async function readRepositoryConfig(bucket: R2Bucket): Promise<RepositoryConfig | null> {
  const obj = await bucket.get(Layout.config);
  if (!obj) return null;
  const parsed = RepositoryConfig.safeParse(await obj.json());
  if (!parsed.success) throw new IntegrityError(Layout.config, `not a Vaultline v${FORMAT_VERSION} repository config`);
  return parsed.data;
}

/** Where a repository keeps objects: a bucket holding any of them without a config is not new, whatever it lacks. */
const REPOSITORY_PREFIXES = ["manifests/", "data/", "segments/", "audit/", "cold/", "keychain/", "keys/"] as const;

export async function initialise(bucket: R2Bucket, master: MasterKey): Promise<RepositoryConfig> {
  await refuseIfNotEmpty(bucket);
  const material = await newDataKeyMaterial();
  // The key goes first: a config that names a key nobody can find would brick the repository.
  await writeWrappedKey(bucket, master, material.id, material.raw);
  const unsigned = {
    format: "vaultline-repository" as const,
    version: FORMAT_VERSION as typeof FORMAT_VERSION,
    repository_id: toHex(crypto.getRandomValues(new Uint8Array(8))),
    created_at: new Date().toISOString(),
    data_key_id: material.id,
    cipher: "AES-256-GCM" as const,
    compression: "brotli" as const,
    chunker: { ...CHUNKER },
  };
  const config: RepositoryConfig = { ...unsigned, mac: await configMacOf(await importDataKey(material.id, material.raw), unsigned) };
  const put = await bucket.put(Layout.config, JSON.stringify(config), { onlyIf: { etagDoesNotMatch: "*" } });
  if (put) return config;
  // Lost a race with another initialiser: theirs stands (our key object is an unused orphan).
  const theirs = await readRepositoryConfig(bucket);
  if (!theirs) throw new IntegrityError(Layout.config, "config vanished during initialisation");
  return theirs;
}

/**
 * A bucket without a config but with repository objects lost its config (deleted, or never copied): starting a new
 * repository there would put every later backup under a new data key and leave the old ones unreadable. Refused,
 * naming what was found. Only key objects and nothing else may be another initialiser's, a moment ahead: wait for
 * its config before refusing.
 */
async function refuseIfNotEmpty(bucket: R2Bucket): Promise<void> {
  const found: string[] = [];
  for (const prefix of REPOSITORY_PREFIXES) {
    const first = (await bucket.list({ prefix, limit: 1 })).objects[0];
    if (first) found.push(first.key);
  }
  if (found.length === 0) return;
  if (found.every((k) => k.startsWith("keys/"))) {
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 200));
      if (await bucket.head(Layout.config)) return;
    }
  }
  throw new IntegrityError(
    Layout.config,
    `is missing, but the bucket already holds a repository's objects (${found.join(", ")}): refusing to start a new repository over it. ` +
      "Put the config back (from the replica bucket, or the escrow copy made by `npx vaultline keys export`)",
  );
}
