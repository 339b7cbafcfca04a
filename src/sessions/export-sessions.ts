import type { SessionObjectEntry, SessionSegmentRef } from "../../schemas/sessions";
import type { Env } from "../env";
import { utf8 } from "../repo/bytes";
import { writeSegment } from "../repo/index-segment";
import type { Repository } from "../repo/repository";
import type { BackupableObject, ExportPage } from "./contract";
import { ident } from "../db/sql";
import { sessionRegistry, sessionStub } from "./objects";
import { mapLimit } from "./limit";

export const OBJECTS_PER_STEP = 200;
export const CONCURRENCY = 8;
export const ENTRIES_PER_CALL = 500;
const ATTEMPTS = 3;

export interface SessionSliceResult {
  next: string | null;
  segment: SessionSegmentRef | null;
  written: string[];
  stored_bytes: number;
  objects: number;
  entries: number;
  bytes: number;
  /** Objects that still failed after retries, by name. */
  failed: { name: string; error: string }[];
  ms: number;
}

/** One object's whole state, read page by page over RPC. */
async function exportObject(stub: DurableObjectStub<BackupableObject & Rpc.DurableObjectBranded>): Promise<string[]> {
  const lines: string[] = [];
  let cursor: string | null = null;
  do {
    const page = (await stub.vaultlineExport(cursor, ENTRIES_PER_CALL)) as ExportPage;
    for (const e of page.entries) lines.push(JSON.stringify(e));
    cursor = page.cursor;
  } while (cursor !== null);
  return lines;
}

/**
 * One slice of a session backup: the next OBJECTS_PER_STEP registered objects in name order, exported with at
 * most CONCURRENCY at a time, each retried; each object's state becomes one chunk (unchanged objects dedup).
 */
export async function exportSessionSlice(env: Env, repo: Repository, after: string | null): Promise<SessionSliceResult> {
  const began = Date.now();
  const results = await registeredObjects(env, after);
  const out: SessionSliceResult = {
    next: null,
    segment: null,
    written: [],
    stored_bytes: 0,
    objects: 0,
    entries: 0,
    bytes: 0,
    failed: [],
    ms: 0,
  };
  type Outcome =
    | { ok: true; entry: SessionObjectEntry; put: { written: boolean; stored: number } }
    | { ok: false; name: string; error: string };
  const done = await mapLimit(results, CONCURRENCY, async ({ name }): Promise<Outcome> => {
    let error = "";
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      try {
        const lines = await exportObject(sessionStub(env, name));
        const plaintext = utf8.encode(lines.map((l) => `${l}\n`).join(""));
        const id = await repo.chunkId(plaintext);
        const put = await repo.putChunk(id, plaintext);
        return { ok: true, entry: { name, chunk: id, entries: lines.length, bytes: plaintext.length }, put };
      } catch (e) {
        error = (e as Error).message;
      }
    }
    return { ok: false, name, error };
  });
  const entries: SessionObjectEntry[] = [];
  for (const d of done) {
    if (!d.ok) {
      out.failed.push({ name: d.name, error: d.error });
      continue;
    }
    entries.push(d.entry);
    if (d.put.written) out.written.push(d.entry.chunk);
    out.stored_bytes += d.put.stored;
    out.entries += d.entry.entries;
    out.bytes += d.entry.bytes;
  }
  out.objects = entries.length;
  const segment = await writeSegment(repo, entries, (e) => e.name);
  if (segment) {
    if (segment.written) out.written.push(segment.ref.id);
    out.stored_bytes += segment.stored;
    out.segment = segment.ref;
  }
  out.next = results.length === OBJECTS_PER_STEP ? results.at(-1)!.name : null;
  out.ms = Date.now() - began;
  return out;
}

/**
 * The next OBJECTS_PER_STEP registered objects after `after`, in name order. None when the provider has no session
 * objects (its profile's `sessions` is null) or no object has registered yet (the contract creates the registry).
 */
async function registeredObjects(env: Env, after: string | null): Promise<{ name: string }[]> {
  const registry = sessionRegistry(env);
  if (!registry) return [];
  const exists = await env.OIDC_DB.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").bind(registry.table).first();
  if (!exists) return [];
  const { results } = await env.OIDC_DB.prepare(
    `SELECT name FROM ${ident(registry.table)} WHERE namespace = ? AND name > ? ORDER BY name LIMIT ?`,
  )
    .bind(registry.namespace, after ?? "", OBJECTS_PER_STEP)
    .all<{ name: string }>();
  return results;
}
