import { readSegment } from "../assets/index-lookup";
import type { AnyManifest } from "../catalog/manifest-facts";
import type { Repository } from "../repo/repository";
import { readSessionSegment } from "../sessions/restore-sessions";

/**
 * Every chunk a backup references, from its manifest: row chunks; asset index segments and the parts they list;
 * session index segments and the object chunks they list. Change-log segments, configuration and system manifests
 * reference no chunks (a system backup's components are backups of their own). Index segments are read one at a
 * time, so memory stays bounded whatever the backup's size.
 */
export async function* chunkRefs(repo: Repository, m: AnyManifest): AsyncGenerator<string> {
  switch (m.format) {
    case "vaultline-manifest":
      for (const t of m.tables) for (const c of t.chunks) yield c.id;
      return;
    case "vaultline-asset-manifest":
      for (const s of m.segments) {
        yield s.id;
        for (const e of await readSegment(repo, s.id)) for (const p of e.parts) yield p.id;
      }
      return;
    case "vaultline-session-manifest":
      for (const s of m.segments) {
        yield s.id;
        for (const e of await readSessionSegment(repo, s.id)) yield e.chunk;
      }
      return;
    default:
      return;
  }
}
