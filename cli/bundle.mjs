// How cli/vaultline.ts becomes one file: esbuild, for Node 22 (ESM; `require` provided for the CommonJS parts of
// dependencies). Used by bin/vaultline.mjs (inside this repository) and `npm run build:cli` (the package).
import { build } from "esbuild";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Bundles the CLI into `outfile`; `shebang` for a file that runs on its own as a package's bin. */
export async function bundleCli(outfile, { shebang = false, minify = false } = {}) {
  await build({
    entryPoints: [join(root, "cli", "vaultline.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    minify,
    legalComments: "inline",
    logLevel: "error",
    banner: {
      js: `${shebang ? "#!/usr/bin/env node\n" : ""}import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);`,
    },
  });
}
