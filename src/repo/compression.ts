import { brotliCompressSync, brotliDecompressSync, constants } from "node:zlib";

/**
 * Brotli quality 1 through node:zlib. Measured inside workerd here on 4 MB of OIDC row text (docs/FORMAT.md,
 * "Compression"; `npm run bench` re-measures): 277 MB/s at ratio 0.240, against streaming zstd-3 at 112 MB/s
 * and 0.243, gzip-1 at 175 MB/s and 0.255, CompressionStream gzip at 52 MB/s. workerd's zstdCompressSync
 * fails ("Unexpected end of file") whenever its output passes about 64 KB, so zstd would need the stream API.
 * Every Node version reads brotli, which keeps the repository readable off the platform.
 */
const QUALITY = 1;

export function compress(data: Uint8Array): Uint8Array {
  return new Uint8Array(
    brotliCompressSync(data, {
      params: { [constants.BROTLI_PARAM_QUALITY]: QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: data.length },
    }),
  );
}

export function decompress(data: Uint8Array): Uint8Array {
  return new Uint8Array(brotliDecompressSync(data));
}
