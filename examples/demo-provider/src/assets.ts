import { mapLimit } from "../../../src/sessions/limit";

/**
 * Demo files in ASSETS_BUCKET (DEMO_MODE only): `objects` objects of `bytes` each under `prefix`, random content
 * (incompressible, like the images a provider stores), with metadata. Idempotent: existing keys are skipped.
 */
export async function seedAssets(
  bucket: R2Bucket,
  opts: { objects: number; bytes: number; prefix: string },
): Promise<{ written: number; skipped: number }> {
  let written = 0;
  let skipped = 0;
  await mapLimit(
    Array.from({ length: opts.objects }, (_, i) => i),
    8,
    async (i) => {
      const key = `${opts.prefix}${String(i).padStart(5, "0")}.bin`;
      if (await bucket.head(key)) {
        skipped++;
        return;
      }
      // getRandomValues fills at most 64 KiB at a time.
      const body = new Uint8Array(opts.bytes);
      for (let o = 0; o < body.length; o += 65_536) crypto.getRandomValues(body.subarray(o, Math.min(body.length, o + 65_536)));
      await bucket.put(key, body, { httpMetadata: { contentType: "application/octet-stream" }, customMetadata: { seed: String(i) } });
      written++;
    },
  );
  return { written, skipped };
}
