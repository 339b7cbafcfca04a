/** Bundles the CLI into `outfile` (cli/bundle.mjs). */
export function bundleCli(outfile: string, options?: { shebang?: boolean; minify?: boolean }): Promise<void>;
