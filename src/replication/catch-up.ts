import type { Env } from "../env";
import { Layout } from "../repo/layout";
import { putCopy, readVerified } from "./replica";
import { markReplica, unreplicatedBackups } from "../catalog/backups";

/** Objects one catch-up step compares. */
export const CATCH_UP_PAGE = 500;

export interface CatchUpPage {
  cursor: string | null;
  checked: number;
  copied: number;
  bytes: number;
  /** Upload time (ms) of the oldest object that was missing from the replica: the replication lag. */
  oldest_missing: number | null;
}

/**
 * A page of the primary bucket, in name order: every object missing from the replica, or there with another
 * digest, is copied (verified on read and on write). The primary is the authority here; scrubbing is what repairs
 * the primary from the replica.
 */
export async function catchUpPage(env: Env, replica: R2Bucket, cursor: string | undefined): Promise<CatchUpPage> {
  const page = await env.BACKUP_BUCKET.list({ cursor, limit: CATCH_UP_PAGE, include: ["customMetadata"] });
  const out: CatchUpPage = { cursor: page.truncated ? page.cursor : null, checked: 0, copied: 0, bytes: 0, oldest_missing: null };
  for (let i = 0; i < page.objects.length; i += 8) {
    await Promise.all(
      page.objects.slice(i, i + 8).map(async (o) => {
        out.checked++;
        const there = await replica.head(o.key);
        const want = o.customMetadata?.sha256;
        if (there && (!want || there.customMetadata?.sha256 === want)) return;
        const c = await readVerified(env.BACKUP_BUCKET, o.key);
        if (!c) return; // deleted since the listing (retention): nothing to copy
        if (
          (await putCopy(replica, o.key, c, {
            replace: there !== null,
            storageClass: o.key.startsWith(Layout.coldPrefix) ? "InfrequentAccess" : undefined,
          })) === "copied"
        ) {
          out.copied++;
          out.bytes += c.bytes.length;
          const t = o.uploaded.getTime();
          out.oldest_missing = out.oldest_missing === null ? t : Math.min(out.oldest_missing, t);
        }
      }),
    );
  }
  return out;
}

/** After a catch-up, backups whose objects are all in the replica are marked replicated (their manifest is the last). */
export async function markCaughtUp(env: Env, replica: R2Bucket): Promise<number> {
  let marked = 0;
  for (const id of await unreplicatedBackups(env.CATALOG_DB, 500)) {
    if (!(await replica.head(Layout.manifest(id)))) continue;
    await markReplica(env.CATALOG_DB, id, { status: "replicated", detail: "" });
    marked++;
  }
  return marked;
}
