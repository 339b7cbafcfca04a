import type { AuditRecord } from "../../schemas/audit";
import { sha256Hex, utf8 } from "../repo/bytes";

/** The chain starts from this: the first entry's prev_hash. */
export const GENESIS = "0".repeat(64);

/**
 * An entry's hash covers what it says and the hash before it, not its row id: the order lives in the links, so a
 * reordered entry still hashes true to its content and shows up as a broken link, which verify names as such.
 */
export function entryHash(e: Omit<AuditRecord, "id" | "hash">): Promise<string> {
  const fields = [e.prev_hash, e.at, e.actor, e.action, e.target, e.outcome, e.request_id, e.source, e.detail];
  return sha256Hex(utf8.encode(JSON.stringify(fields)));
}
