import { IntegrityError } from "../errors";
import { Layout } from "../repo/layout";
import { putCopy, readVerified } from "./replica";

export interface CopyOutcome {
  copied: number;
  present: number;
  bytes: number;
}

/**
 * Copies named objects to the replica, each verified on read and on write. A chunk may have moved tiers since it
 * was written (data/ or cold/): it is copied from where it is, under that name.
 */
export async function copyToReplica(primary: R2Bucket, replica: R2Bucket, keys: string[]): Promise<CopyOutcome> {
  const out: CopyOutcome = { copied: 0, present: 0, bytes: 0 };
  const unique = [...new Set(keys)];
  for (let i = 0; i < unique.length; i += 8) {
    await Promise.all(
      unique.slice(i, i + 8).map(async (key) => {
        for (const name of alternatives(key)) {
          const c = await readVerified(primary, name);
          if (!c) continue;
          if (
            (await putCopy(replica, name, c, { storageClass: name.startsWith(Layout.coldPrefix) ? "InfrequentAccess" : undefined })) ===
            "copied"
          ) {
            out.copied++;
            out.bytes += c.bytes.length;
          } else out.present++;
          return;
        }
        throw new IntegrityError(key, "is missing from the primary bucket: nothing to replicate");
      }),
    );
  }
  return out;
}

function alternatives(key: string): string[] {
  if (!key.startsWith(Layout.chunkPrefix)) return [key];
  const id = Layout.chunkIdOf(key);
  return [key, Layout.cold(id)];
}
