import { readSegment } from "../assets/index-lookup";
import { type AnyManifest, parseAnyManifest } from "../catalog/manifest-facts";
import { Layout } from "../repo/layout";
import type { Repository } from "../repo/repository";
import { readSessionSegment } from "../sessions/restore-sessions";

/** Chunk names one replication step copies at most. */
const CHUNKS_PER_PAGE = 400;

/**
 * The objects a backup consists of, in pages a workflow step each (docs/REPLICATION.md): page 0 is the repository's
 * config and key objects, the manifest and its change-log segments; then its chunks (row chunks 400 a page; for
 * assets and sessions one index segment a page, with the chunks it lists).
 */
export async function backupObjectPages(repo: Repository, backupId: string): Promise<number> {
  const m = parseAnyManifest(await repo.getManifestJson(backupId));
  if (m.format === "vaultline-manifest") return 1 + Math.ceil(m.tables.reduce((n, t) => n + t.chunks.length, 0) / CHUNKS_PER_PAGE);
  if (m.format === "vaultline-asset-manifest" || m.format === "vaultline-session-manifest") return 1 + m.segments.length;
  return 1;
}

export async function backupObjectPage(repo: Repository, backupId: string, page: number): Promise<string[]> {
  const m: AnyManifest = parseAnyManifest(await repo.getManifestJson(backupId));
  if (page === 0) {
    const keys = [Layout.config, Layout.manifest(backupId)];
    for await (const k of repo.listKeys(Layout.keysPrefix)) keys.push(k);
    for await (const k of repo.listKeys(Layout.keychainPrefix)) keys.push(k);
    if (m.format === "vaultline-manifest" && m.capture) keys.push(...m.capture.segments.map((s) => s.key));
    if (m.format === "vaultline-incremental-manifest") keys.push(...m.segments.map((s) => s.key));
    return keys;
  }
  if (m.format === "vaultline-manifest") {
    const ids = m.tables.flatMap((t) => t.chunks.map((c) => c.id));
    return ids.slice((page - 1) * CHUNKS_PER_PAGE, page * CHUNKS_PER_PAGE).map(Layout.chunk);
  }
  if (m.format === "vaultline-asset-manifest") {
    const seg = m.segments[page - 1]!;
    return [seg.id, ...(await readSegment(repo, seg.id)).flatMap((e) => e.parts.map((p) => p.id))].map(Layout.chunk);
  }
  if (m.format === "vaultline-session-manifest") {
    const seg = m.segments[page - 1]!;
    return [seg.id, ...(await readSessionSegment(repo, seg.id)).map((e) => e.chunk)].map(Layout.chunk);
  }
  return [];
}
