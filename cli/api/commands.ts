import { parseArgs } from "node:util";
import { ApiError, Client, EXIT } from "./client";
import { progressPrinter } from "./progress";
import { followStatus } from "./events";

const TERMINAL_BACKUP = ["completed", "failed"];
const TERMINAL_RESTORE = ["completed", "failed", "rolled_back", "cancelled"];

type Out = { json: boolean };
const print = (o: Out, value: unknown, human: () => string) => console.log(o.json ? JSON.stringify(value) : human());

/** Follows a backup's or a restore's events (`path` + `/events`) until a terminal status (or one in stopAt). */
async function watch(client: Client, path: string, terminal: string[], o: Out, stopAt: string[] = []): Promise<any> {
  const bar = o.json ? null : progressPrinter(process.stderr);
  const view = await followStatus(
    client,
    `${path}/events`,
    (x) => terminal.includes(x.status) || stopAt.includes(x.status),
    (x) => bar?.update(x),
  );
  bar?.done();
  return view;
}

/** `vaultline backup create|list|show`, `restore start|approve|reject|status`, `capture ...`, `health`, `report`, `audit` (docs/CLI.md). */
export async function apiCommand(argv: string[]): Promise<number> {
  // `backup` and `restore` take a subcommand; `health` and `report` none; `audit` an optional `verify`.
  const group = argv[0];
  const takesSub = group === "backup" || group === "restore" || group === "capture" || (group === "audit" && argv[1] === "verify");
  const sub = takesSub ? argv[1] : undefined;
  const rest = argv.slice(takesSub ? 2 : 1);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      url: { type: "string" },
      token: { type: "string" },
      json: { type: "boolean", default: false },
      watch: { type: "boolean", default: false },
      type: { type: "string" },
      description: { type: "string" },
      status: { type: "string" },
      limit: { type: "string" },
      backup: { type: "string" },
      at: { type: "string" },
      target: { type: "string", default: "test" },
      components: { type: "string" },
      comment: { type: "string" },
      yes: { type: "boolean", default: false },
      "dry-run": { type: "boolean", default: false },
      from: { type: "string" },
      to: { type: "string" },
      format: { type: "string", default: "json" },
      actor: { type: "string" },
      action: { type: "string" },
      // restore start: what within each component (the API's selections)
      tables: { type: "string" },
      user: { type: "string" },
      prefix: { type: "string" },
      object: { type: "string" },
      objects: { type: "string" },
      "skip-expired": { type: "boolean", default: false },
    },
  });
  const url = values.url ?? process.env.VAULTLINE_URL;
  const token = values.token ?? process.env.VAULTLINE_TOKEN;
  if (!url || !token) throw new UsageError("set --url and --token (or VAULTLINE_URL and VAULTLINE_TOKEN)");
  const client = new Client(url, token);
  const o: Out = { json: values.json! };
  const id = positionals[0];

  if (group === "backup" && sub === "create") {
    if (!values.type)
      throw new UsageError(
        "backup create needs --type (full_database, incremental_database, assets, sessions, config, full_system, monthly_archive)",
      );
    const created = await client.call("POST", "/admin/backup/create", {
      type: values.type,
      ...(values.description ? { description: values.description } : {}),
    });
    if (!values.watch) {
      print(o, created, () => `${created.backup_id} ${created.status} (estimated ${created.estimated_duration})`);
      return EXIT.ok;
    }
    const done = await watch(client, `/admin/backup/${created.backup_id}`, TERMINAL_BACKUP, o);
    print(o, done, () => `${done.backup_id} ${done.status}${done.error ? `: [${done.error.code}] ${done.error.message}` : ""}`);
    return done.status === "completed" ? EXIT.ok : EXIT.failed;
  }
  if (group === "backup" && sub === "list") {
    const q = new URLSearchParams({
      limit: values.limit ?? "20",
      ...(values.type ? { type: values.type } : {}),
      ...(values.status ? { status: values.status } : {}),
    });
    const r = await client.call("GET", `/admin/backup/list?${q}`);
    print(
      o,
      r,
      () =>
        r.backups.map((b: any) => `${b.backup_id}  ${b.type.padEnd(20)} ${b.status.padEnd(10)} ${b.timestamp}`).join("\n") || "no backups",
    );
    return EXIT.ok;
  }
  if (group === "backup" && sub === "show") {
    if (!id) throw new UsageError("backup show <backup_id>");
    const b = values.watch
      ? await watch(client, `/admin/backup/${id}`, TERMINAL_BACKUP, o)
      : await client.call("GET", `/admin/backup/${id}`);
    print(o, b, () => JSON.stringify(b, null, 2));
    return b.status === "failed" ? EXIT.failed : EXIT.ok;
  }
  if (group === "restore" && sub === "start") {
    if (!values.backup && !values.at) throw new UsageError("restore start needs --backup ID or --at INSTANT");
    const production = values.target === "production";
    if (production && !values.yes && !values["dry-run"])
      throw new UsageError("a production restore overwrites current data: add --yes to confirm");
    const body = {
      target_environment: values.target,
      ...(values.backup ? { backup_id: values.backup } : { target_timestamp: values.at }),
      ...(values.components ? { components: values.components.split(",") } : {}),
      ...selectionOf(values),
      ...(values["dry-run"] ? { dry_run: true } : {}),
      ...(production ? { confirmation: "I understand this will overwrite current data" } : {}),
    };
    const r = await client.call("POST", "/admin/backup/restore", body);
    if (values["dry-run"] || !values.watch) {
      print(o, r, () => (r.dry_run ? JSON.stringify(r, null, 2) : `${r.restore_id} ${r.status}`));
      return EXIT.ok;
    }
    const done = await watch(client, `/admin/restore/${r.restore_id}`, TERMINAL_RESTORE, o, ["awaiting_approval"]);
    print(
      o,
      done,
      () =>
        `${done.restore_id} ${done.status}${done.status === "awaiting_approval" ? ": a second person approves with `vaultline restore approve`" : ""}`,
    );
    return done.status === "completed" || done.status === "awaiting_approval" ? EXIT.ok : EXIT.failed;
  }
  if (group === "restore" && (sub === "approve" || sub === "reject")) {
    if (!id || !values.comment) throw new UsageError(`restore ${sub} <restore_id> --comment "why"`);
    const r = await client.call("POST", `/admin/restore/${id}/${sub}`, { comment: values.comment });
    print(o, r, () => `${r.restore_id} ${r.decision}d by ${r.decided_by}`);
    return EXIT.ok;
  }
  if (group === "restore" && sub === "status") {
    if (!id) throw new UsageError("restore status <restore_id> [--watch]");
    const r = values.watch
      ? await watch(client, `/admin/restore/${id}`, TERMINAL_RESTORE, o)
      : await client.call("GET", `/admin/restore/${id}`);
    print(
      o,
      r,
      () => `${r.restore_id} ${r.status}${r.stage ? ` (${r.stage})` : ""}${r.error ? `: [${r.error.code}] ${r.error.message}` : ""}`,
    );
    return ["failed", "rolled_back", "cancelled"].includes(r.status) ? EXIT.failed : EXIT.ok;
  }
  if (group === "capture") {
    const route = sub ? CAPTURE_ROUTES[sub] : undefined;
    if (!route) throw new UsageError("capture install|status|ship|remove");
    const r = await client.call(route[0], route[1]);
    print(o, r, () => JSON.stringify(r, null, 2));
    return EXIT.ok;
  }
  if (group === "health") {
    const h = await client.call("GET", "/admin/backup/health");
    print(o, h, () =>
      [
        `status: ${h.status}`,
        ...h.findings.map((f: any) => `  ${f.level.padEnd(8)} ${f.area}: ${f.message}\n           -> ${f.recommendation}`),
      ].join("\n"),
    );
    return h.status === "healthy" ? EXIT.ok : EXIT.failed;
  }
  if (group === "report") {
    if (!values.from || !values.to) throw new UsageError("report --from ISO --to ISO [--format json|csv|html]");
    const r = await client.call(
      "GET",
      `/admin/reports/compliance?${new URLSearchParams({ from: values.from, to: values.to, format: values.format! })}`,
    );
    process.stdout.write(typeof r === "string" ? r : `${JSON.stringify(r, null, o.json ? 0 : 2)}\n`);
    return EXIT.ok;
  }
  if (group === "audit") {
    if (sub === "verify") {
      const v = await client.call("GET", "/admin/audit/verify");
      print(o, v, () => (v.ok ? `audit chain intact (${v.entries} entries)` : `audit chain BROKEN: ${v.first_problem.message}`));
      return v.ok ? EXIT.ok : EXIT.failed;
    }
    const q = new URLSearchParams({
      limit: values.limit ?? "50",
      ...(values.actor ? { actor: values.actor } : {}),
      ...(values.action ? { action: values.action } : {}),
      ...(values.from ? { from: values.from } : {}),
      ...(values.to ? { to: values.to } : {}),
    });
    const r = await client.call("GET", `/admin/audit?${q}`);
    print(o, r, () => r.entries.map((e: any) => `${e.at}  ${e.actor.padEnd(20)} ${e.action}  ${e.target ?? ""}  ${e.outcome}`).join("\n"));
    return EXIT.ok;
  }
  throw new UsageError(`unknown command ${[group, sub].filter(Boolean).join(" ")}`);
}

export class UsageError extends Error {}

/**
 * Change capture in the provider's database (docs/CAPTURE.md). install: the change log and triggers, idempotent
 * (re-run after a migration); status: what is captured and waiting, the RPO, breaks, the change feeds; ship: ship the
 * log now; ship-feeds: run the session and asset change feeds now; remove: a change request a second person approves
 * (answers its change_id).
 */
const CAPTURE_ROUTES: Record<string, [string, string]> = {
  install: ["POST", "/admin/capture/install"],
  status: ["GET", "/admin/capture/status"],
  ship: ["POST", "/admin/capture/ship"],
  "ship-feeds": ["POST", "/admin/capture/feeds/ship"],
  remove: ["POST", "/admin/capture/remove"],
};

export function exitCodeOf(e: unknown): number {
  if (e instanceof UsageError) return EXIT.usage;
  if (e instanceof ApiError) return e.status === 0 ? EXIT.unreachable : e.status >= 500 ? EXIT.server : EXIT.refused;
  return EXIT.failed;
}

/** How an API error reads on stderr: a refusal (4xx) with its code, or a server error (5xx) with its status. */
export function describeApiError(e: ApiError): string {
  if (e.status >= 500) return `server error (HTTP ${e.status}) [${e.code}] ${e.message}`;
  if (e.status === 0) return `the API is unreachable: ${e.message}`;
  return `[${e.code}] ${e.message}`;
}

/** node:util parseArgs' own errors (an unknown option, a missing value): usage errors, exit 2. */
export function isParseArgsError(e: unknown): e is Error {
  const code = (e as { code?: unknown } | null)?.code;
  return e instanceof Error && typeof code === "string" && code.startsWith("ERR_PARSE_ARGS");
}

/**
 * The selection within each component of `restore start` (docs/CLI.md): `--tables a,b` or `--user ID` (the
 * database), `--prefix P` or `--object KEY` (assets), `--objects a,b` and `--skip-expired` (sessions).
 */
function selectionOf(v: {
  tables?: string;
  user?: string;
  prefix?: string;
  object?: string;
  objects?: string;
  "skip-expired"?: boolean;
}): Record<string, unknown> {
  if (v.tables && v.user) throw new UsageError("--tables or --user, not both");
  if (v.prefix && v.object) throw new UsageError("--prefix or --object, not both");
  return {
    ...(v.tables ? { database: { tables: v.tables.split(",") } } : {}),
    ...(v.user ? { database: { user_id: /^-?\d+$/.test(v.user) ? Number(v.user) : v.user } } : {}),
    ...(v.prefix ? { assets: { prefix: v.prefix } } : {}),
    ...(v.object ? { assets: { key: v.object } } : {}),
    ...(v.objects || v["skip-expired"]
      ? { sessions: { ...(v.objects ? { objects: v.objects.split(",") } : {}), ...(v["skip-expired"] ? { skip_expired: true } : {}) } }
      : {}),
  };
}
