// `vaultline keys export`: an offline escrow copy of what every backup depends on besides the master key: the
// repository's `config`, its data key chain (`keychain/`) and every wrapped data key under `keys/`. Both are safe to keep outside Cloudflare (the wraps
// are encrypted under master keys; the config holds no secret); together with the master key they make every
// backup readable again after someone deletes them from the bucket (docs/KEYS.md, "Escrow").
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Repository } from "../../src/repo/repository";
import type { ReadOnlyBucket } from "./sources";

export interface KeyEscrow {
  out: string;
  repository_id: string;
  data_key_id: string;
  files: string[];
}

/** Writes `config` and `keys/...` into `out` at their object names (so any copy tool can put them back). */
export async function exportKeys(repo: Repository, bucket: ReadOnlyBucket, out: string): Promise<KeyEscrow> {
  if (existsSync(out) && readdirSync(out).length) throw new Error(`${out} is not empty: an escrow copy never overwrites files`);
  const names = ["config"];
  for (const prefix of ["keychain/", "keys/"]) {
    let cursor: string | undefined;
    do {
      const page = await bucket.list({ prefix, cursor });
      names.push(...page.objects.map((o) => o.key));
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor);
  }
  for (const name of names) {
    const obj = await bucket.get(name);
    if (!obj) throw new Error(`${name} vanished while exporting`);
    const file = join(out, ...name.split("/"));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, new Uint8Array(await obj.arrayBuffer()), { flag: "wx" });
  }
  return { out, repository_id: repo.config.repository_id, data_key_id: repo.config.data_key_id, files: names };
}
