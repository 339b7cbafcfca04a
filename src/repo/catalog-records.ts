import { CatalogRecord, catalogRecordName } from "../../schemas/catalog-records";
import { getApproval } from "../catalog/restores";
import { markHistorySealed, unsealedHistory } from "../catalog/history";
import type { Env } from "../env";
import { IntegrityError } from "../errors";
import { fromUtf8, utf8 } from "./bytes";
import { Layout } from "./layout";
import { openRepository } from "./open";
import type { Repository } from "./repository";
import { ObjectKind } from "./sealed-object";

/**
 * Seals one catalog record into the repository (write-once: the same record again is accepted when identical). The
 * catalog is an index of the repository; these are the facts it would otherwise be the only holder of.
 */
export async function sealCatalogRecord(env: Env, record: CatalogRecord): Promise<void> {
  const repo = await openRepository(env);
  const name = catalogRecordName(CatalogRecord.parse(record));
  const put = await repo.putSealed(ObjectKind.catalogRecord, name, utf8.encode(JSON.stringify(record)));
  if (!put.written) {
    const existing = await readRecord(repo, name);
    if (JSON.stringify(existing) !== JSON.stringify(record)) throw new IntegrityError(name, "a different record is sealed under this name");
  }
}

async function readRecord(repo: Repository, name: string): Promise<CatalogRecord> {
  const plain = await repo.getSealed(ObjectKind.catalogRecord, name, "catalog record");
  const parsed = CatalogRecord.safeParse(JSON.parse(fromUtf8.decode(plain)));
  if (!parsed.success || catalogRecordName(parsed.data) !== name) throw new IntegrityError(name, "not the catalog record its name says");
  return parsed.data;
}

/** Every sealed record, in name order (holds before their releases: `legal_hold` sorts before `legal_hold_release`). */
export async function* catalogRecords(repo: Repository, unreadable: string[]): AsyncGenerator<CatalogRecord> {
  for await (const name of repo.listKeys(Layout.catalogRecordPrefix)) {
    try {
      yield await readRecord(repo, name);
    } catch {
      unreadable.push(name);
    }
  }
}

/** History rows sealed per run at most; the rest wait for the next run (every 5 minutes, with the audit seal). */
const HISTORY_PER_RUN = 100;

/**
 * Seals restores and drills that have ended (their rows as they ended) and marks them sealed, so a rebuilt catalog
 * has its restore and drill history back. Sealing is write-once and idempotent: a run that dies after sealing and
 * before marking seals the identical record again.
 */
export async function sealHistory(env: Env): Promise<{ restores: number; test_restores: number }> {
  const out = { restores: 0, test_restores: 0 };
  for (const table of ["restores", "test_restores"] as const) {
    for (const row of await unsealedHistory(env.CATALOG_DB, table, HISTORY_PER_RUN)) {
      const id = String(row.id);
      await sealCatalogRecord(env, { kind: table === "restores" ? "restore" : "test_restore", id, row });
      await markHistorySealed(env.CATALOG_DB, table, id);
      out[table]++;
    }
  }
  return out;
}

/** Seals a restore's recorded decision (who approved or rejected it, and why). */
export async function sealApproval(env: Env, restoreId: string): Promise<void> {
  const a = await getApproval(env.CATALOG_DB, restoreId);
  if (a)
    await sealCatalogRecord(env, {
      kind: "approval",
      restore_id: a.restore_id,
      decision: a.decision,
      decided_by: a.decided_by,
      comment: a.comment,
      decided_at: a.decided_at,
    });
}
