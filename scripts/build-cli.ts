// npm run build:cli: the command line as a package of its own, `@vaultline/cli` (docs/CLI.md): one bundled file
// (cli/ and the repository code it shares with the Worker, aws4fetch and zod inside it; no workerd, no wrangler, no
// dependencies to install), its package.json and README, packed with `npm pack` into dist/vaultline-cli-<version>.tgz.
// `npm install -g ./dist/vaultline-cli-<version>.tgz` (or publish it) and `vaultline --help` runs anywhere Node 22.13+ is.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { bundleCli } from "../cli/bundle.mjs";

export async function buildCliPackage(dist = resolve("dist")): Promise<{ tarball: string; bundle_bytes: number }> {
  const { version, engines } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string; engines: { node: string } };
  const dir = join(dist, "cli");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const bundle = join(dir, "vaultline.mjs");
  await bundleCli(bundle, { shebang: true, minify: true });
  writeFileSync(
    join(dir, "package.json"),
    `${JSON.stringify(
      {
        name: "@vaultline/cli",
        version,
        description: "Vaultline's command line: the admin API, and recovery of a repository without Cloudflare",
        type: "module",
        bin: { vaultline: "vaultline.mjs" },
        files: ["vaultline.mjs", "README.md"],
        // node:sqlite (recover database) is unflagged from 22.13; the repository's own floor is stricter only for wrangler.
        engines: { node: engines.node.replace(/^>=22\.12$/, ">=22.13") },
      },
      null,
      2,
    )}\n`,
  );
  writeFileSync(
    join(dir, "README.md"),
    "# @vaultline/cli\n\n`vaultline --help` lists the commands. The documentation is docs/CLI.md and docs/RECOVERY.md in the Vaultline repository.\n",
  );
  const packed = JSON.parse(execFileSync("npm", ["pack", "--json", "--pack-destination", dist], { cwd: dir, encoding: "utf8" })) as {
    filename: string;
  }[];
  return { tarball: join(dist, packed[0]!.filename), bundle_bytes: statSync(bundle).size };
}

if (import.meta.main) {
  const r = await buildCliPackage();
  console.log(`${r.tarball} (the bundle is ${(r.bundle_bytes / 1024).toFixed(0)} KiB)`);
}
