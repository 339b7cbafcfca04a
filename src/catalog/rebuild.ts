import { openRepository } from "../repo/open";
import type { CatalogRecord } from "../../schemas/catalog-records";
import { catalogRecords } from "../repo/catalog-records";
import { insertHistoryRow } from "./history";

import type { Env } from "../env";
import { insertBackup, markBackupCompleted } from "./backups";
import { type CatalogFacts, catalogFacts, parseAnyManifest } from "./manifest-facts";
import { Layout } from "../repo/layout";
import type { Repository } from "../repo/repository";
import { sha256Hex } from "../repo/bytes";
import { decodeSegment } from "../capture/segment";
import { FEEDS, type Feed } from "../../schemas/feed";
import { SessionFeedLine } from "../../schemas/sessions";
import { AssetFeedLine } from "../../schemas/assets";
import { feedSegmentRow } from "../feed/segment";
import { CLOCK_MARGIN_MS, FEED_SOURCE } from "../feed/run";
import { CAPTURE_SOURCE } from "../capture/ship";
import { getCaptureState, recordBreak, recordCapturePoint, recordSegment, saveCaptureState } from "./capture";
import { insertHold, releaseHoldRow } from "./legal-holds";
import { insertApproval } from "./restores";
import { insertPolicyVersion } from "./retention-policies";

/**
 * Rebuilds the catalog from the repository alone: every manifest is read, authenticated and parsed, then upserted
 * as a completed backup; change-log segments; and the sealed catalog records (legal holds and their releases, policy
 * versions, restore decisions). Failed runs are not in the bucket; the audit chain has its own sealed copy.
 */
export async function rebuildCatalog(
  env: Env,
): Promise<{ manifests: number; inserted: number; updated: number; unreadable: string[]; segments: number; records: number }> {
  const repo = await openRepository(env);
  const out = { manifests: 0, inserted: 0, updated: 0, unreadable: [] as string[], segments: 0, records: 0 };
  for await (const id of repo.listManifestIds()) {
    out.manifests++;
    let m: CatalogFacts;
    try {
      m = catalogFacts(parseAnyManifest(await repo.getManifestJson(id)));
    } catch {
      out.unreadable.push(id);
      continue;
    }
    const existed = await env.CATALOG_DB.prepare("SELECT 1 FROM backups WHERE id = ?").bind(id).first();
    // The same two writes a live backup makes: its row, then its completion.
    await insertBackup(env.CATALOG_DB, {
      id,
      type: m.type,
      components: [m.component],
      description: m.description,
      requested_by: m.requested_by,
      trigger: "rebuilt",
    });
    await markBackupCompleted(env.CATALOG_DB, id, { ...m, manifest_key: Layout.manifest(id) });
    if (m.capture) {
      await recordCapturePoint(env.CATALOG_DB, id, m.capture);
      if (m.capture.base_backup_id)
        await env.CATALOG_DB.prepare("UPDATE backups SET base_backup_id = ? WHERE id = ?").bind(m.capture.base_backup_id, id).run();
    }
    existed ? out.updated++ : out.inserted++;
  }
  out.segments = await rebuildSegments(env, repo, out.unreadable);
  for (const feed of FEEDS) out.segments += await rebuildFeedSegments(env, repo, feed, out.unreadable);
  for await (const record of catalogRecords(repo, out.unreadable)) {
    if (await restoreRecord(env.CATALOG_DB, record)) out.records++;
  }
  return out;
}

/**
 * Puts back one sealed catalog record the catalog lacks (schemas/catalog-records.ts): a hold, its release, a policy
 * version, a restore's decision. What the catalog already has stays as it is. True when something was written.
 */
async function restoreRecord(db: D1Database, r: CatalogRecord): Promise<boolean> {
  if (r.kind === "legal_hold") return insertHold(db, r);
  if (r.kind === "legal_hold_release")
    return (await releaseHoldRow(db, r.id, r.released_by, r.release_reason, r.released_at)) === "released";
  if (r.kind === "policy") return insertPolicyVersion(db, r);
  if (r.kind === "restore") return insertHistoryRow(db, "restores", { ...r.row, id: r.id });
  if (r.kind === "test_restore") return insertHistoryRow(db, "test_restores", { ...r.row, id: r.id });
  return insertApproval(db, r);
}

/**
 * Change-log segments the catalog does not list, recovered from the bucket: each is read and checked, and its
 * range and times recorded. The shipper's position follows the last one (coverage up to its last change).
 */
async function rebuildSegments(env: Env, repo: Repository, unreadable: string[]): Promise<number> {
  let n = 0;
  let last: { seq: number; at: number } | null = null;
  for await (const key of repo.listKeys(Layout.segmentPrefix(CAPTURE_SOURCE))) {
    const m = /(\d{16})-(\d{16})$/.exec(key);
    if (!m) continue;
    const [first, lastSeq] = [Number(m[1]), Number(m[2])];
    try {
      const plaintext = await repo.getSegment(key, null);
      const entries = decodeSegment(key, plaintext, first, lastSeq);
      const ref = {
        first_seq: first,
        last_seq: lastSeq,
        first_at: entries[0]![1],
        last_at: entries.at(-1)![1],
        entries: entries.length,
        key,
        sha256: await sha256Hex(plaintext),
      };
      await recordSegment(env.CATALOG_DB, CAPTURE_SOURCE, { ...ref, raw_bytes: plaintext.length, stored_bytes: 0 });
      if (!last || lastSeq > last.seq) last = { seq: lastSeq, at: ref.last_at };
      n++;
    } catch {
      unreadable.push(key);
    }
  }
  const state = await getCaptureState(env.CATALOG_DB, CAPTURE_SOURCE);
  if (last && (!state || state.last_seq < last.seq)) {
    await saveCaptureState(env.CATALOG_DB, {
      source: CAPTURE_SOURCE,
      last_seq: last.seq,
      covered_until: last.at,
      schema_fingerprint: state?.schema_fingerprint ?? null,
    });
  }
  return n;
}

/**
 * Change-feed segments (sessions, assets) the catalog does not list (docs/FORMAT.md, "Change-feed segments"),
 * recovered the same way: each read, checked and recorded with its run's coverage; the feed's first segment (its
 * header's covered_from null) gives back the break the feed recorded when it began; its position follows the last one.
 */
async function rebuildFeedSegments(env: Env, repo: Repository, feed: Feed, unreadable: string[]): Promise<number> {
  const source = FEED_SOURCE[feed];
  const line = feed === "sessions" ? SessionFeedLine : AssetFeedLine;
  let n = 0;
  let last: { seq: number; covered: number | null } | null = null;
  for await (const key of repo.listKeys(Layout.segmentPrefix(source))) {
    const m = /(\d{16})-(\d{16})$/.exec(key);
    if (!m) continue;
    const seq = Number(m[1]);
    try {
      const { header, row } = await feedSegmentRow(key, seq, await repo.getSegment(key, null), feed, line);
      await recordSegment(env.CATALOG_DB, source, row);
      if (header.covered_from === null)
        await recordBreak(env.CATALOG_DB, {
          source,
          after_seq: seq - 1,
          kind: "gap",
          next_seq: seq,
          known_until: header.covered_until !== null ? header.covered_until + CLOCK_MARGIN_MS : row.first_at - CLOCK_MARGIN_MS,
          detail: `the ${feed} change feed started (recovered from the repository)`,
        });
      if (!last || seq > last.seq) last = { seq, covered: header.covered_until ?? header.covered_from };
      n++;
    } catch {
      unreadable.push(key);
    }
  }
  const state = await getCaptureState(env.CATALOG_DB, source);
  if (last && (!state || state.last_seq < last.seq))
    await saveCaptureState(env.CATALOG_DB, { source, last_seq: last.seq, covered_until: last.covered, schema_fingerprint: null });
  return n;
}
