// Writes an asset backup out as files: each object at its name under the output directory, its bytes reassembled
// from its parts (each authenticated and checked against its keyed id) and checked against the object's recorded
// SHA-256; metadata (content type, custom metadata, etag, upload time) as JSON lines next to it.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { appendFile, mkdir, open } from "node:fs/promises";
import { dirname, resolve, sep } from "node:path";
import { AssetManifest } from "../../schemas/assets";
import { readSegment } from "../../src/assets/index-lookup";
import { parseAnyManifest } from "../../src/catalog/manifest-facts";
import { IntegrityError } from "../../src/errors";
import type { Repository } from "../../src/repo/repository";

/** A file path under `root` for an object name; segments that could climb out (`..`, `.`, empty) are escaped. */
export function safePath(root: string, key: string): string {
  const parts = key.split("/").map((p) => (p === "" || p === "." || p === ".." ? encodeURIComponent(p || "%").replace(/\./g, "%2E") : p));
  const full = resolve(root, ...parts);
  if (!full.startsWith(resolve(root) + sep)) throw new Error(`object name ${key} cannot be written under ${root}`);
  return full;
}

export async function recoverAssets(repo: Repository, backupId: string, outDir: string, log: (line: string) => void) {
  let m = parseAnyManifest(await repo.getManifestJson(backupId));
  if (m.format === "vaultline-system-manifest") m = parseAnyManifest(await repo.getManifestJson(`${backupId}_assets`));
  if (m.format !== "vaultline-asset-manifest") throw new Error(`backup ${backupId} is not an asset backup (${m.format})`);
  const manifest = AssetManifest.parse(m);
  if (existsSync(outDir)) throw new Error(`${outDir} exists: recovery never writes into an existing directory`);
  await mkdir(outDir, { recursive: true });
  const metadataFile = `${resolve(outDir)}.metadata.jsonl`;
  let objects = 0;
  let bytes = 0;
  for (const seg of manifest.segments) {
    for (const e of await readSegment(repo, seg.id)) {
      const path = safePath(outDir, e.key);
      await mkdir(dirname(path), { recursive: true });
      const file = await open(path, "wx");
      const hash = createHash("sha256");
      try {
        for (const part of e.parts) {
          const data = await repo.getChunk(part.id);
          if (data.length !== part.size)
            throw new IntegrityError(
              `data/${part.id.slice(0, 2)}/${part.id}`,
              `part of ${e.key} is ${data.length} bytes, the index says ${part.size}`,
            );
          hash.update(data);
          await file.write(data);
        }
      } finally {
        await file.close();
      }
      if (hash.digest("hex") !== e.sha256) throw new IntegrityError(e.key, "reassembled object does not match its recorded SHA-256");
      await appendFile(
        metadataFile,
        `${JSON.stringify({
          key: e.key,
          file: path,
          size: e.size,
          sha256: e.sha256,
          etag: e.etag,
          uploaded: e.uploaded,
          http: e.http,
          custom: e.custom,
        })}\n`,
      );
      objects++;
      bytes += e.size;
    }
  }
  log(`  ${objects} objects, ${bytes} bytes, every one checked against its SHA-256; metadata in ${metadataFile}`);
  return { backup_id: backupId, objects, bytes, metadata: metadataFile };
}
