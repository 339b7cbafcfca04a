import { openRepository } from "../repo/open";
import type { Env } from "../env";
import { IntegrityError } from "../errors";
import { sha256Hex } from "../repo/bytes";
import { Layout } from "../repo/layout";
import type { Repository } from "../repo/repository";
import { ObjectKind } from "../repo/sealed-object";
import type { AuditRecord } from "../../schemas/audit";
import { decodeRecords, encodeRecords } from "./records";
import { chainUnauthenticated } from "./unauthenticated";
import { chainViews } from "./views";
import { insertAuditSegment, recordsBetween, sealedThrough } from "../catalog/audit-log";

/** Entries a sealed segment holds at most. */
export const AUDIT_SEGMENT_ENTRIES = 1000;
/** Segments one run seals at most, so a run stays bounded however far behind it is. */
const SEGMENTS_PER_RUN = 20;

export interface SealResult {
  segments: number;
  entries: number;
  sealed_through: number;
  /** Closed minutes of unauthenticated requests chained (as one entry each) before sealing. */
  unauthenticated_minutes: number;
  /** Per-person minutes of read-only polls chained (as one `audit.views` entry each) before sealing. */
  view_summaries: number;
}

/**
 * Copies the chain's new entries to BACKUP_BUCKET as sealed, write-once segments (`audit/<first>-<last>`), and records
 * each in `audit_segments`. Once sealed, an entry altered or removed in the catalog no longer matches its copy, and
 * bucket locks (npm run provision) keep the copy for the retention period. A segment already in the bucket for the
 * next id (a crashed run's, or one whose catalog record was deleted) is adopted only when the catalog still holds
 * exactly its entries; otherwise sealing stops with integrity_error rather than seal over a rewritten history.
 */
export async function sealAuditChain(env: Env): Promise<SealResult> {
  const db = env.CATALOG_DB;
  let repo: Repository | null = null;
  const unauthenticated = await chainUnauthenticated(db);
  const views = await chainViews(db);
  const result: SealResult = {
    segments: 0,
    entries: 0,
    sealed_through: await sealedThrough(db),
    unauthenticated_minutes: unauthenticated,
    view_summaries: views,
  };
  for (let n = 0; n < SEGMENTS_PER_RUN; n++) {
    const first = result.sealed_through + 1;
    repo ??= await openRepository(env);
    // A segment from this id may already be in the bucket (a run that crashed before recording it, or a catalog
    // whose record was deleted): it stands, and the catalog's entries must still match it.
    const existing = (await env.BACKUP_BUCKET.list({ prefix: Layout.auditSegmentStart(first), limit: 1 })).objects[0]?.key;
    const sealed = existing ? await adopt(repo, db, existing, first) : await sealNew(repo, db, first);
    if (!sealed) break;
    result.segments++;
    result.entries += sealed.last_id - first + 1;
    result.sealed_through = sealed.last_id;
  }
  return result;
}

interface Sealed {
  last_id: number;
}

async function sealNew(repo: Repository, db: D1Database, first: number): Promise<Sealed | null> {
  const records = (await recordsBetween(db, first, first + AUDIT_SEGMENT_ENTRIES - 1)).filter((r) => r.hash !== null);
  // Only a contiguous run: a hole here is for verify to report, never to be sealed over.
  const run = records.filter((r, i) => r.id === first + i);
  if (run.length === 0) return null;
  const last = run[run.length - 1]!;
  const key = Layout.auditSegment(first, last.id);
  const plain = encodeRecords(run);
  await repo.putSealed(ObjectKind.audit, key, plain);
  await record(db, first, last, key, await sha256Hex(plain));
  return { last_id: last.id };
}

async function adopt(repo: Repository, db: D1Database, key: string, first: number): Promise<Sealed> {
  const plain = await repo.getSealed(ObjectKind.audit, key, "audit segment");
  const sealed = decodeRecords(plain);
  const last = sealed[sealed.length - 1];
  if (!last) throw new IntegrityError(key, "audit segment is empty");
  const digest = await sha256Hex(plain);
  if ((await sha256Hex(encodeRecords(await recordsBetween(db, first, last.id)))) !== digest) {
    throw new IntegrityError(
      key,
      `the catalog's audit entries #${first}-#${last.id} differ from their sealed copy: run GET /admin/audit/verify`,
    );
  }
  await record(db, first, last, key, digest);
  return { last_id: last.id };
}

async function record(db: D1Database, first: number, last: AuditRecord, key: string, digest: string): Promise<void> {
  await insertAuditSegment(db, { first_id: first, last, object_key: key, sha256: digest });
}
