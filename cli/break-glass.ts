// `vaultline break-glass`: restoring production while the identity provider (and so every person's sign-in) is down
// (docs/runbooks/provider-down.md). Custodians keep Ed25519 keys offline; each signs one specific request; the
// operator submits M signatures in place of a requester's second factor and an approver's.
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { BREAK_GLASS_MAX_HOURS } from "../schemas/break-glass";
import { fromBase64Url, requestDigest, signedMessage, toBase64Url } from "../src/break-glass/request-digest";
import { UsageError } from "./api/commands";

export const BREAK_GLASS_USAGE = `  vaultline break-glass keygen  --name NAME --out KEYFILE          a custodian's key pair (keep KEYFILE offline)
  vaultline break-glass request (--backup ID | --at INSTANT) --reason TEXT --operator NAME [--components a,b]
                                [--user ID | --tables a,b] [--prefix P | --object KEY] [--hours N] --out REQUEST.json
  vaultline break-glass sign    --key KEYFILE --request REQUEST.json [--out SIGNATURE.json]
  vaultline break-glass submit  --request REQUEST.json --signature SIG.json [--signature SIG.json ...] [--url URL]`;

interface KeyFile {
  custodian: string;
  private_key: string;
  public_key: string;
}

export async function breakGlassCommand(sub: string | undefined, args: string[], log: (s: string) => void): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      name: { type: "string" },
      out: { type: "string" },
      key: { type: "string" },
      request: { type: "string" },
      signature: { type: "string", multiple: true },
      backup: { type: "string" },
      at: { type: "string" },
      components: { type: "string" },
      user: { type: "string" },
      tables: { type: "string" },
      prefix: { type: "string" },
      object: { type: "string" },
      reason: { type: "string" },
      operator: { type: "string" },
      hours: { type: "string", default: "4" },
      url: { type: "string" },
    },
  });
  if (sub === "keygen") {
    if (!values.name || !values.out) throw new UsageError("break-glass keygen needs --name and --out");
    const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
    const file: KeyFile = {
      custodian: values.name,
      private_key: toBase64Url(new Uint8Array((await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer)),
      public_key: toBase64Url(new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer)),
    };
    writeFileSync(values.out, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: "wx" });
    // The entry for BREAK_GLASS_CUSTODIANS, on stdout; the key file stays with the custodian.
    console.log(JSON.stringify({ name: file.custodian, public_key: file.public_key }));
    return 0;
  }
  if (sub === "request") {
    if ((values.backup === undefined) === (values.at === undefined)) throw new UsageError("break-glass request needs --backup or --at");
    if (!values.reason || !values.operator || !values.out) throw new UsageError("break-glass request needs --reason, --operator and --out");
    const hours = Number(values.hours);
    if (!(hours > 0 && hours <= BREAK_GLASS_MAX_HOURS))
      throw new UsageError(`--hours must be more than 0 and at most ${BREAK_GLASS_MAX_HOURS}`);
    const restore: Record<string, unknown> = {
      ...(values.backup ? { backup_id: values.backup } : { target_timestamp: values.at }),
      components: (values.components ?? "database").split(","),
      target_environment: "production",
      confirmation: "I understand this will overwrite current data",
    };
    if (values.user) restore.database = { user_id: /^\d+$/.test(values.user) ? Number(values.user) : values.user };
    else if (values.tables) restore.database = { tables: values.tables.split(",") };
    if (values.prefix) restore.assets = { prefix: values.prefix };
    else if (values.object) restore.assets = { key: values.object };
    const request = {
      purpose: "vaultline-break-glass-restore",
      restore,
      reason: values.reason,
      operator: values.operator,
      expires_at: new Date(Date.now() + hours * 3_600_000).toISOString(),
      nonce: randomBytes(16).toString("hex"),
    };
    writeFileSync(values.out, `${JSON.stringify(request, null, 2)}\n`, { flag: "wx" });
    log(`request written to ${values.out}; digest ${await requestDigest(request)} (read it out to each custodian)`);
    return 0;
  }
  if (sub === "sign") {
    if (!values.key || !values.request) throw new UsageError("break-glass sign needs --key and --request");
    const key = JSON.parse(readFileSync(values.key, "utf8")) as KeyFile;
    const request = JSON.parse(readFileSync(values.request, "utf8")) as unknown;
    const digest = await requestDigest(request);
    const privateKey = await crypto.subtle.importKey("pkcs8", fromBase64Url(key.private_key), { name: "Ed25519" }, false, ["sign"]);
    const signature = toBase64Url(new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, privateKey, signedMessage(digest))));
    const out = JSON.stringify({ custodian: key.custodian, signature });
    if (values.out) writeFileSync(values.out, `${out}\n`, { flag: "wx" });
    else console.log(out);
    log(`signed request ${digest} as ${key.custodian}: ${JSON.stringify((request as { restore?: unknown }).restore)}`);
    return 0;
  }
  if (sub === "submit") {
    const url = values.url ?? process.env.VAULTLINE_URL;
    if (!values.request || !values.signature?.length || !url)
      throw new UsageError("break-glass submit needs --request, --signature and --url (or VAULTLINE_URL)");
    const request = JSON.parse(readFileSync(values.request, "utf8")) as unknown;
    const signatures = values.signature.map((f) => JSON.parse(readFileSync(f, "utf8")) as unknown);
    const res = await fetch(new URL("/break-glass/restore", url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ request, signatures }),
    });
    const answer = await res.text();
    console.log(answer);
    return res.status === 202 ? 0 : res.status >= 500 ? 1 : 3;
  }
  throw new UsageError(`unknown break-glass command ${sub ?? ""}`.trim());
}
