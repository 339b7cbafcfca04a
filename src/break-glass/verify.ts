import { BREAK_GLASS_MAX_HOURS, type BreakGlassRequest, BreakGlassRequest as RequestSchema, Custodians } from "../../schemas/break-glass";
import type { Env } from "../env";
import { ConfigError, ForbiddenError, ValidationError } from "../errors";
import { fromBase64Url, requestDigest, signedMessage } from "./request-digest";

/** The custodians configured in BREAK_GLASS_CUSTODIANS (a JSON object, or its text), or null when break-glass is off. */
export function custodiansOf(env: Env): Custodians | null {
  const raw = (env as { BREAK_GLASS_CUSTODIANS?: unknown }).BREAK_GLASS_CUSTODIANS;
  if (raw === undefined || raw === "") return null;
  let value: unknown = raw;
  if (typeof raw === "string") {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new ConfigError("BREAK_GLASS_CUSTODIANS is not valid JSON", "BREAK_GLASS_CUSTODIANS");
    }
  }
  const parsed = Custodians.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`BREAK_GLASS_CUSTODIANS.${issue.path.join(".")}: ${issue.message}`, "BREAK_GLASS_CUSTODIANS");
  }
  return parsed.data;
}

export interface VerifiedBreakGlass {
  request: BreakGlassRequest;
  digest: string;
  /** The distinct custodians whose signatures verified, in configuration order. */
  custodians: string[];
}

/**
 * Checks a break-glass submission: the request's shape, that it has not expired and does not reach past the
 * maximum validity, and that at least `threshold` distinct configured custodians signed exactly this request.
 * Signatures by unknown names, repeated custodians and bad signatures count for nothing (and are named).
 */
export async function verifyBreakGlass(
  env: Env,
  submission: { request: unknown; signatures: { custodian: string; signature: string }[] },
  now = Date.now(),
): Promise<VerifiedBreakGlass> {
  const config = custodiansOf(env);
  if (!config) throw new ForbiddenError("break-glass is not configured here (BREAK_GLASS_CUSTODIANS)");
  const parsed = RequestSchema.safeParse(submission.request);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ValidationError(`request.${issue.path.join(".")}: ${issue.message}`, `request.${issue.path.join(".")}`);
  }
  const request = parsed.data;
  const expires = Date.parse(request.expires_at);
  if (expires <= now) throw new ForbiddenError(`this break-glass request expired at ${request.expires_at}: sign a new one`);
  if (expires - now > BREAK_GLASS_MAX_HOURS * 3_600_000)
    throw new ValidationError(
      `request.expires_at is more than ${BREAK_GLASS_MAX_HOURS} hours away: sign a shorter-lived request`,
      "request.expires_at",
    );
  const digest = await requestDigest(submission.request);
  const message = signedMessage(digest);
  const good = new Set<string>();
  const refused: string[] = [];
  for (const s of submission.signatures) {
    const custodian = config.custodians.find((c) => c.name === s.custodian);
    if (!custodian) {
      refused.push(`${s.custodian}: not a custodian`);
      continue;
    }
    if (good.has(custodian.name)) {
      refused.push(`${s.custodian}: signed twice (counted once)`);
      continue;
    }
    const key = await crypto.subtle.importKey("raw", fromBase64Url(custodian.public_key), { name: "Ed25519" }, false, ["verify"]);
    const ok = await crypto.subtle.verify({ name: "Ed25519" }, key, fromBase64Url(s.signature), message).catch(() => false);
    if (ok) good.add(custodian.name);
    else refused.push(`${s.custodian}: the signature is not over this request`);
  }
  if (good.size < config.threshold)
    throw new ForbiddenError(
      `break-glass needs ${config.threshold} distinct custodians' signatures over this request (digest ${digest}); ${good.size} verified` +
        (refused.length ? ` (${refused.join("; ")})` : ""),
    );
  return { request, digest, custodians: config.custodians.map((c) => c.name).filter((n) => good.has(n)) };
}
