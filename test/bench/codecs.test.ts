// Run by `npm run bench` (not by `npm test`): compression options measured inside workerd on chunk plaintext
// exactly as the backup writes it. The figures behind docs/FORMAT.md, "Compression".
import * as zlib from "node:zlib";
import { it } from "vitest";
import { literal, userRows } from "../../examples/demo-provider/src/generate";

function chunkText(): Uint8Array {
  const lines: string[] = [];
  for (const t of userRows(0, 2000)) for (const r of t.rows) lines.push(`${JSON.stringify(r.map(literal).join(","))}\n`);
  return new TextEncoder().encode(lines.join(""));
}

function zstdStream(a: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const z = zlib.createZstdCompress({ params: { [zlib.constants.ZSTD_c_compressionLevel]: 3 } });
    const parts: Uint8Array[] = [];
    z.on("data", (d: Uint8Array) => parts.push(d));
    z.on("error", reject);
    z.on("end", () => resolve(new Uint8Array(Buffer.concat(parts))));
    z.end(a);
  });
}

async function compressionStream(a: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await new Response(new Blob([a]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer());
}

type Codec = [string, (x: Uint8Array) => Uint8Array | Promise<Uint8Array>, (x: Uint8Array) => Uint8Array];
const brotli = (q: number) => (x: Uint8Array) =>
  zlib.brotliCompressSync(x, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: q, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: x.length } });

it("compression codecs inside workerd", async () => {
  const input = chunkText();
  const codecs: Codec[] = [
    ["brotli q1 (used)", brotli(1), (x) => zlib.brotliDecompressSync(x)],
    ["brotli q3", brotli(3), (x) => zlib.brotliDecompressSync(x)],
    ["zstd 3 (stream API)", zstdStream, (x) => zlib.zstdDecompressSync(x)],
    ["gzip 1 (node:zlib)", (x) => zlib.gzipSync(x, { level: 1 }), (x) => zlib.gunzipSync(x)],
    ["gzip 6 (node:zlib)", (x) => zlib.gzipSync(x, { level: 6 }), (x) => zlib.gunzipSync(x)],
    ["CompressionStream gzip", compressionStream, (x) => zlib.gunzipSync(x)],
  ];
  const rows: string[] = [
    "== compression options inside workerd (the choice in docs/FORMAT.md)",
    `codec                     ratio   compress MB/s   decompress MB/s   (input ${(input.length / 1e6).toFixed(1)} MB of row text)`,
  ];
  for (const [name, c, d] of codecs) {
    let out = await c(input); // warm up
    const runs = 3;
    let t = performance.now();
    for (let i = 0; i < runs; i++) out = await c(input);
    const cms = (performance.now() - t) / runs;
    t = performance.now();
    for (let i = 0; i < runs; i++) d(out);
    const dms = (performance.now() - t) / runs;
    const mbs = (ms: number) => (input.length / 1e6 / (ms / 1000)).toFixed(0);
    rows.push(
      `${name.padEnd(24)} ${(out.length / input.length).toFixed(3).padStart(6)}   ${mbs(cms).padStart(13)}   ${mbs(dms).padStart(15)}`,
    );
  }
  let zstdSync = "ok";
  try {
    zlib.zstdCompressSync(crypto.getRandomValues(new Uint8Array(65536)).slice(), {});
    zlib.zstdCompressSync(input);
  } catch (e) {
    zstdSync = `fails: ${(e as Error).message}`;
  }
  rows.push(`zstdCompressSync on this input: ${zstdSync}`, "== end");
  console.log(`\n${rows.join("\n")}\n`);
});
