import { fromHex, toHex } from "../repo/bytes";

/** A table's content checksum: SHA-256 over its chunks' SHA-256 digests, in order. Same rows, same order => same value. */
export async function tableChecksum(chunkDigests: string[]): Promise<string> {
  const all = new Uint8Array(chunkDigests.length * 32);
  chunkDigests.forEach((d, i) => {
    all.set(fromHex(d), i * 32);
  });
  return toHex(await crypto.subtle.digest("SHA-256", all));
}
