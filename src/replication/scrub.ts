import { audit } from "../catalog/audit-log";
import type { Env } from "../env";
import { VaultlineError } from "../errors";
import { Layout } from "../repo/layout";
import { putCopy, type ReadCopy, readVerified } from "./replica";
import { backupStatus } from "../catalog/backups";

/** Days in which the rotating scrub reads every object once: SCRUB_CYCLE_DAYS (SCRUB_PERIOD_DAYS, its former name), 30. */
export function scrubCycleDays(env: Env): number {
  const e = env as { SCRUB_CYCLE_DAYS?: string; SCRUB_PERIOD_DAYS?: string };
  return Math.max(1, Number(e.SCRUB_CYCLE_DAYS || e.SCRUB_PERIOD_DAYS || 30));
}

/** Objects one scrub step reads from each copy. */
export const SCRUB_PAGE = 200;

export interface ScrubPage {
  cursor: string | null;
  checked: number;
  bytes: number;
  repaired: { key: string; copy: "primary" | "replica"; reason: string }[];
  mirrored: string[];
  unrepairable: { key: string; reason: string }[];
}

type Read = { copy: ReadCopy } | { missing: true } | { bad: string };

async function read(bucket: R2Bucket, key: string): Promise<Read> {
  try {
    const c = await readVerified(bucket, key);
    return c ? { copy: c } : { missing: true };
  } catch (e) {
    return { bad: e instanceof VaultlineError ? e.message : String(e) };
  }
}
const why = (r: Read) => ("missing" in r ? "missing" : "bad" in r ? r.bad : "");

/**
 * One page of the rotating scrub (docs/REPLICATION.md): the next objects after `cursor` in both buckets, merged by
 * name, each read in full from both and checked against the digest recorded at upload. A missing or corrupted copy
 * is rewritten from the good one (the one exception to write-once, audited as `scrub.repaired`). An object only the
 * replica still has after retention removed it from the primary (a fossil, a forgotten backup's manifest) is removed
 * from the replica instead. Both copies bad is reported (and audited) as unrepairable.
 */
export async function scrubPage(env: Env, replica: R2Bucket, cursor: string | undefined, limit = SCRUB_PAGE): Promise<ScrubPage> {
  const [p, r] = await Promise.all([env.BACKUP_BUCKET.list({ startAfter: cursor, limit }), replica.list({ startAfter: cursor, limit })]);
  // Keys up to the first page end that was cut short are complete in both listings.
  const ends = [p.truncated ? p.objects.at(-1)?.key : undefined, r.truncated ? r.objects.at(-1)?.key : undefined].filter(
    (k): k is string => k !== undefined,
  );
  const boundary = ends.length ? ends.sort()[0]! : null;
  const keys = [...new Set([...p.objects, ...r.objects].map((o) => o.key))].filter((k) => boundary === null || k <= boundary).sort();
  const out: ScrubPage = { cursor: boundary, checked: 0, bytes: 0, repaired: [], mirrored: [], unrepairable: [] };
  for (const key of keys) {
    const [a, b] = await Promise.all([read(env.BACKUP_BUCKET, key), read(replica, key)]);
    out.checked++;
    if ("copy" in a) out.bytes += a.copy.bytes.length;
    if ("copy" in b) out.bytes += b.copy.bytes.length;
    if ("copy" in a && "copy" in b && a.copy.sha256 === b.copy.sha256) continue;
    if ("copy" in a) {
      await putCopy(replica, key, a.copy, { replace: true });
      out.repaired.push({ key, copy: "replica", reason: "copy" in b ? "differs from the primary" : why(b) });
    } else if ("copy" in b) {
      if ("missing" in a && (await removedByRetention(env, key))) {
        await replica.delete(key);
        out.mirrored.push(key);
        continue;
      }
      await putCopy(env.BACKUP_BUCKET, key, b.copy, { replace: true });
      out.repaired.push({ key, copy: "primary", reason: why(a) });
    } else {
      out.unrepairable.push({ key, reason: `primary: ${why(a)}; replica: ${why(b)}` });
    }
  }
  for (const x of out.repaired)
    await audit(env.CATALOG_DB, {
      actor: "system:scrub",
      action: "scrub.repaired",
      target: x.key,
      outcome: 1,
      detail: { copy: x.copy, reason: x.reason },
    });
  await auditUnrepairable(env, out.unrepairable);
  return out;
}

/**
 * One page of the rotating scrub of the primary alone (replication off): the next objects after `cursor`, each read
 * in full and checked against the digest recorded at upload. With no second copy nothing can be repaired: a bad or
 * unreadable object is reported and audited as `scrub.unrepairable` (a critical notification), so someone restores
 * it from an escrow or older copy before it is needed.
 */
export async function scrubPrimaryPage(env: Env, cursor: string | undefined, limit = SCRUB_PAGE): Promise<ScrubPage> {
  const listed = await env.BACKUP_BUCKET.list({ startAfter: cursor, limit });
  const out: ScrubPage = {
    cursor: listed.truncated ? (listed.objects.at(-1)?.key ?? null) : null,
    checked: 0,
    bytes: 0,
    repaired: [],
    mirrored: [],
    unrepairable: [],
  };
  for (const o of listed.objects) {
    const r = await read(env.BACKUP_BUCKET, o.key);
    out.checked++;
    if ("copy" in r) out.bytes += r.copy.bytes.length;
    else if ("bad" in r) out.unrepairable.push({ key: o.key, reason: `primary: ${r.bad}; no replica to repair from` });
  }
  await auditUnrepairable(env, out.unrepairable);
  return out;
}

/** Each object no copy of which could be read back right: audited (and so notified, critical). */
async function auditUnrepairable(env: Env, list: ScrubPage["unrepairable"]): Promise<void> {
  for (const x of list)
    await audit(env.CATALOG_DB, {
      actor: "system:scrub",
      action: "scrub.unrepairable",
      target: x.key,
      outcome: 0,
      detail: { reason: x.reason },
    });
}

/** Objects the primary no longer has on purpose: fossils (pruned), chunks it moved, forgotten backups' manifests. */
async function removedByRetention(env: Env, key: string): Promise<boolean> {
  if (key.startsWith(Layout.fossilPrefix)) return true;
  if (key.startsWith(Layout.chunkPrefix) || key.startsWith(Layout.coldPrefix)) {
    // Moved by a prune or between tiers: the primary has it under another name.
    const id = Layout.chunkIdOf(key);
    for (const other of [Layout.chunk(id), Layout.cold(id), Layout.fossil(id)])
      if (other !== key && (await env.BACKUP_BUCKET.head(other))) return true;
    return false;
  }
  if (!key.startsWith(Layout.manifestPrefix)) return false;
  const status = await backupStatus(env.CATALOG_DB, key.slice(Layout.manifestPrefix.length));
  return status === "forgotten" || status === "forgetting";
}
