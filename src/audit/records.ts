import { AuditRecord } from "../../schemas/audit";

/** A sealed segment's plaintext: one entry a line, as JSON, in id order. */
export function encodeRecords(records: AuditRecord[]): Uint8Array {
  return new TextEncoder().encode(`${records.map((r) => JSON.stringify(r)).join("\n")}\n`);
}

export function decodeRecords(plain: Uint8Array): AuditRecord[] {
  return new TextDecoder()
    .decode(plain)
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => AuditRecord.parse(JSON.parse(l)));
}
