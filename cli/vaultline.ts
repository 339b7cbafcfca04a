// `npx vaultline`: the command line (docs/CLI.md). `backup`, `restore`, `capture`, `health`, `report` and `audit` drive the admin
// API; `recover` reads a repository without Cloudflare (docs/RECOVERY.md): from a directory holding a copy of the
// bucket, or from any S3-compatible endpoint, with the master key.
// Exit codes: 0 done, 1 the operation or a check failed, 2 usage, 3 the API refused (4xx), 4 the API is unreachable,
// 5 the server failed (5xx).
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { VaultlineError } from "../src/errors";
import { Repository } from "../src/repo/repository";
import { ApiError } from "./api/client";
import { apiCommand, describeApiError, exitCodeOf, isParseArgsError, UsageError } from "./api/commands";
import pkg from "../package.json";
import { recoverAssets } from "./recover/assets";
import { recoverDatabase } from "./recover/database";
import { exportKeys } from "./recover/key-escrow";
import { BREAK_GLASS_USAGE, breakGlassCommand } from "./break-glass";
import { DirectoryBucket, type ReadOnlyBucket, S3Bucket } from "./recover/sources";

const USAGE = `usage:
  vaultline backup create --type TYPE [--description TEXT] [--watch]
  vaultline backup list [--type TYPE] [--status STATUS] [--limit N]
  vaultline backup show ID [--watch]
  vaultline restore start (--backup ID | --at INSTANT) [--target test|production] [--components a,b] [--dry-run] [--yes] [--watch]
                        [--tables a,b | --user ID] [--prefix P | --object KEY] [--objects a,b] [--skip-expired]
  vaultline restore approve|reject ID --comment TEXT
  vaultline restore status ID [--watch]
  vaultline capture install|status|ship|ship-feeds|remove
  vaultline health
  vaultline report --from ISO --to ISO [--format json|csv|html]
  vaultline audit [--actor A] [--action A] [--from ISO] [--to ISO] | vaultline audit verify
  (API commands: --url and --token, or VAULTLINE_URL and VAULTLINE_TOKEN; --json for scripts)

  vaultline recover list      (--from DIR | --s3-endpoint URL --s3-bucket NAME) [key options] [--json]
  vaultline recover database  --backup ID --out FILE.sqlite  (source) [key options] [--json]
  vaultline recover assets    --backup ID --out DIR          (source) [key options] [--json]
  vaultline keys export       --out DIR                      (source) [key options] [--json]
                              the config and every wrapped data key, for offline escrow (docs/KEYS.md)

break-glass (the provider is down; docs/runbooks/provider-down.md):
${BREAK_GLASS_USAGE}

source:  --from DIR                      a copy of the bucket (rclone copy, aws s3 sync, ...)
         --s3-endpoint URL --s3-bucket NAME [--s3-region auto]
                                         credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY
key:     BACKUP_ENCRYPTION_KEY in the environment, or --key-file PATH (base64, 32 bytes);
         earlier keys: BACKUP_ENCRYPTION_KEYS_OLD (JSON array) or --old-keys-file PATH`;

function usage(message?: string): never {
  if (message) console.error(`vaultline: ${message}`);
  console.error(USAGE);
  process.exit(2);
}

/** `vaultline <command> --help`: that command's lines of the usage (with their continuation lines) and the notes. */
function commandHelp(command: string): string | null {
  const lines = USAGE.split("\n");
  const out: string[] = [];
  let inside = false;
  for (const line of lines) {
    if (/^ {2}vaultline /.test(line)) inside = line.startsWith(`  vaultline ${command} `) || line === `  vaultline ${command}`;
    else if (!/^ {6,}/.test(line)) inside = false;
    if (inside) out.push(line);
  }
  if (command === "break-glass") return `usage:\n${BREAK_GLASS_USAGE}`;
  if (!out.length) return null;
  const notes = ["recover", "keys"].includes(command)
    ? USAGE.slice(USAGE.indexOf("source:"))
    : "  (API commands: --url and --token, or VAULTLINE_URL and VAULTLINE_TOKEN; --json for scripts)";
  return `usage:\n${out.join("\n")}\n\n${notes}`;
}

export async function main(argv: string[]): Promise<number> {
  const [command, sub, ...rest] = argv;
  if (command && !command.startsWith("-") && argv.slice(1).some((a) => a === "--help" || a === "-h")) {
    const help = commandHelp(command);
    if (!help) usage(`unknown command ${command}`);
    console.log(help);
    return 0;
  }
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === "--version" || command === "-V" || command === "version") {
    console.log(`vaultline ${pkg.version}`);
    return 0;
  }
  if (command && ["backup", "restore", "capture", "health", "report", "audit"].includes(command)) {
    try {
      return await apiCommand(argv);
    } catch (e) {
      if (e instanceof UsageError || isParseArgsError(e)) usage(e.message);
      console.error(`vaultline: ${e instanceof ApiError ? describeApiError(e) : e instanceof Error ? e.message : String(e)}`);
      return exitCodeOf(e);
    }
  }
  if (command === "break-glass") {
    try {
      return await breakGlassCommand(sub, rest, (line) => console.error(line));
    } catch (e) {
      if (e instanceof UsageError) usage(e.message);
      throw e;
    }
  }
  if (!(command === "recover" || (command === "keys" && sub === "export")) || !sub)
    usage(command ? `unknown command ${command}` : undefined);
  const { values } = parseArgs({
    args: rest,
    options: {
      from: { type: "string" },
      "s3-endpoint": { type: "string" },
      "s3-bucket": { type: "string" },
      "s3-region": { type: "string", default: "auto" },
      "key-file": { type: "string" },
      "old-keys-file": { type: "string" },
      backup: { type: "string" },
      out: { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  let source: ReadOnlyBucket;
  if (values.from) source = new DirectoryBucket(values.from);
  else if (values["s3-endpoint"] && values["s3-bucket"]) {
    const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = process.env;
    if (!accessKeyId || !secretAccessKey) usage("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for the S3 endpoint");
    source = new S3Bucket({
      endpoint: values["s3-endpoint"],
      bucket: values["s3-bucket"],
      region: values["s3-region"]!,
      accessKeyId,
      secretAccessKey,
    });
  } else usage("say where the repository is: --from DIR, or --s3-endpoint and --s3-bucket");
  const key = values["key-file"] ? readFileSync(values["key-file"], "utf8").trim() : process.env.BACKUP_ENCRYPTION_KEY;
  const old = values["old-keys-file"] ? readFileSync(values["old-keys-file"], "utf8") : process.env.BACKUP_ENCRYPTION_KEYS_OLD;
  const log = values.json ? () => {} : (line: string) => console.log(line);
  const repo = await Repository.open(source as unknown as R2Bucket, key, old, { readOnly: true, digestOptional: true });

  if (command === "keys") {
    if (!values.out) usage("keys export needs --out DIR");
    const r = await exportKeys(repo, source, values.out);
    if (values.json) console.log(JSON.stringify(r));
    else log(`exported the config and ${r.files.length - 1} key wrap(s) of repository ${r.repository_id} into ${r.out}`);
    return 0;
  }
  if (sub === "list") {
    const rows: { backup_id: string; format: string; type: string; completed_at: string }[] = [];
    for await (const id of repo.listManifestIds()) {
      const m = (await repo.getManifestJson(id)) as { format: string; type: string; completed_at: string };
      rows.push({ backup_id: id, format: m.format, type: m.type, completed_at: m.completed_at });
    }
    if (values.json) console.log(JSON.stringify({ backups: rows }));
    else for (const r of rows) console.log(`${r.backup_id}  ${r.type.padEnd(20)} ${r.completed_at}`);
    return 0;
  }
  if (!values.backup || !values.out) usage(`recover ${sub} needs --backup and --out`);
  log(`recovering ${sub} of ${values.backup} into ${values.out}`);
  if (sub === "database") {
    const r = await recoverDatabase(repo, values.backup, values.out, log);
    if (values.json) console.log(JSON.stringify(r));
    else
      log(
        `done: ${r.tables.length} tables, ${r.tables.reduce((n, t) => n + t.rows, 0)} rows, ${r.replayed} changes replayed, integrity_check ${r.integrity_check}`,
      );
    return 0;
  }
  if (sub === "assets") {
    const r = await recoverAssets(repo, values.backup, values.out, log);
    if (values.json) console.log(JSON.stringify(r));
    return 0;
  }
  usage(`unknown recover command ${sub}`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    if (isParseArgsError(e)) usage(e.message);
    const what = e instanceof VaultlineError ? `[${e.code}] ${e.message}` : e instanceof Error ? e.message : String(e);
    console.error(`vaultline: ${what}`);
    process.exit(1);
  },
);
