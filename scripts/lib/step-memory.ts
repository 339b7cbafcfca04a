// The memory each step kind of a database backup and restore holds (issue 18): scripts/lib/step-memory-child.ts
// bundled with esbuild (the step functions are the Worker's own code) and run in Node against the bench's local D1 and
// R2 (wrangler's getPlatformProxy), with the heap capped, so a step that held too much would fail here as it would in
// a 128 MB isolate. Returns one row per step kind.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { build } from "esbuild";

export interface StepMemory {
  kind: string;
  detail: string;
  held_mb: number;
  base_mb: number;
  ms: number;
  /** D1 calls (a batch is one), D1 statements and R2 operations the step made. */
  d1: number;
  statements: number;
  r2: number;
  /** The step's result as JSON, the size the platform stores (at most 1 MiB). */
  output_bytes: number;
}

/** What a Worker isolate may hold (platform-facts.md). */
export const ISOLATE_MB = 128;

export async function measureStepMemory(
  configPath: string,
  persistPath: string,
  outDir: string,
): Promise<{ rows: StepMemory[]; heapLimitMb: number; failed: string | null }> {
  const outfile = join(outDir, "step-memory.mjs");
  await build({
    entryPoints: ["scripts/lib/step-memory-child.ts"],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    external: ["wrangler"],
    logLevel: "error",
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  // The heap limit: the isolate's 128 MB on top of what the local platform proxy itself keeps in this process.
  const heapLimitMb = ISOLATE_MB + 96;
  const r = spawnSync(process.execPath, ["--expose-gc", `--max-old-space-size=${heapLimitMb}`, outfile, configPath, persistPath], {
    encoding: "utf8",
    maxBuffer: 1 << 24,
    env: { ...process.env, NODE_PATH: join(process.cwd(), "node_modules"), CI: "true", WRANGLER_SEND_METRICS: "false" },
    cwd: process.cwd(),
    timeout: 30 * 60_000,
  });
  const rows = r.stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as StepMemory);
  // A step that ran out of memory is a finding, not a crash of the bench: the rows measured so far and the cause.
  const failed =
    r.status === 0
      ? null
      : `after ${rows.length} step kind(s): ${/heap out of memory|Error[^\n]*/.exec(r.stderr)?.[0] ?? `exit ${r.status}`}`;
  return { rows, heapLimitMb, failed };
}
