// npm test (after the typecheck): the workerd suite, then the end-to-end suite, each printed as it runs and kept in
// .test-output/, then a scan of every line they printed (the Worker's logs, workflow errors, wrangler dev's output)
// for secrets: master keys, API tokens, the Cloudflare API token, and the data keys the suite created (known by
// digest, test/shared/secrets.ts). Response bodies are scanned inside the suite as they arrive (test/worker/helpers.ts).
// Any failing suite or any finding fails npm test.
import { spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { findSecrets, FIXED_SECRETS } from "../test/shared/secrets.ts";
import { ensureBrowser } from "./lib/browser.ts";

const OUT = resolve(".test-output");
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });

function run(name: string, args: string[]): Promise<number> {
  return new Promise((done) => {
    const file = createWriteStream(join(OUT, `${name}.log`));
    const child = spawn("npx", args, {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, VAULTLINE_LOG_DIR: OUT, VAULTLINE_DATA_KEY_DIGESTS: join(OUT, "data-key-digests.txt") },
    });
    for (const [from, to] of [
      [child.stdout, process.stdout],
      [child.stderr, process.stderr],
    ] as const) {
      from.on("data", (d: Buffer) => {
        to.write(d);
        file.write(d);
      });
    }
    child.on("exit", (code) => file.end(() => done(code ?? 1)));
  });
}

// The dashboard test drives a real Chromium: found now (or installed on Debian), before any suite runs.
process.env.CHROMIUM_PATH = ensureBrowser();
const worker = await run("worker-suite", ["vitest", "run"]);
const e2e = worker === 0 ? await run("e2e-suite", ["vitest", "run", "--config", "test/e2e/vitest.config.ts"]) : 1;

// The local demo's secrets too: the end-to-end suite runs wrangler dev with .dev.vars.
const demo = existsSync(".dev.vars")
  ? [...readFileSync(".dev.vars", "utf8").matchAll(/^BACKUP_ENCRYPTION_KEY=(\S+)$/gm)].map((m) => m[1]!)
  : [];
FIXED_SECRETS.push(
  ...demo.map((value) => ({ name: "local BACKUP_ENCRYPTION_KEY", value })),
  ...["admin", "operator", "viewer"].map((r) => ({ name: `demo API token ${r}`, value: `vl-demo-${r}` })),
);
const digestsFile = join(OUT, "data-key-digests.txt");
const digests = new Set(existsSync(digestsFile) ? readFileSync(digestsFile, "utf8").split("\n").filter(Boolean) : []);
let lines = 0;
const findings: string[] = [];
for (const f of readdirSync(OUT).filter((f) => f.endsWith(".log"))) {
  for (const [i, line] of readFileSync(join(OUT, f), "utf8").split("\n").entries()) {
    lines++;
    for (const what of await findSecrets(line, digests)) findings.push(`${f}:${i + 1}: ${what}`);
  }
}
console.log(
  `\nsecret scan: ${lines} log lines in ${readdirSync(OUT).filter((f) => f.endsWith(".log")).length} files against ${FIXED_SECRETS.length} fixed secrets and ${digests.size / 3} data keys: ${findings.length} found`,
);
for (const f of findings.slice(0, 20)) console.log(`  ${f}`);
if (digests.size === 0 && worker === 0) {
  console.log("secret scan: no data key digests were recorded, so data keys were not scanned for: failing");
  process.exit(1);
}
process.exit(worker || e2e || (findings.length ? 1 : 0));
