import { AuditRecord } from "../../schemas/audit";

export const RECORD_COLUMNS = "id, at, actor, action, target, outcome, request_id, source, detail, prev_hash, hash";

/** Entries with `from <= id <= to`, in id order (a bounded page: callers pass ranges of at most a page). */
export async function recordsBetween(db: D1Database, from: number, to: number): Promise<AuditRecord[]> {
  const { results } = await db.prepare(`SELECT ${RECORD_COLUMNS} FROM audit_log WHERE id BETWEEN ? AND ? ORDER BY id`).bind(from, to).all<AuditRecord>();
  return results;
}

/** A sealed segment's plaintext: one entry a line, as JSON, in id order. */
export function encodeRecords(records: AuditRecord[]): Uint8Array {
  return new TextEncoder().encode(records.map((r) => JSON.stringify(r)).join("\n") + "\n");
}

export function decodeRecords(plain: Uint8Array): AuditRecord[] {
  return new TextDecoder()
    .decode(plain)
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => AuditRecord.parse(JSON.parse(l)));
}
