import type { DatabaseSelection } from "../../schemas/api";
import type { z } from "zod";
import { chunkRows } from "../db/chunker";
import { tupleValues } from "../db/literals";
import type { Env } from "../env";
import { ValidationError } from "../errors";
import { openDatabaseManifest } from "./open-manifest";
import { type RestoreScope, USER_TABLE, keyColumnsForUpsert } from "./scope";

/**
 * Checks that a backup holds what a scoped database restore asks for, naming the field when it does not:
 * each table, or the user (found by reading the users table's chunks until its row turns up).
 */
export async function checkDatabaseSelection(env: Env, backupId: string, sel: z.infer<typeof DatabaseSelection>): Promise<RestoreScope> {
  const { repo, manifest } = await openDatabaseManifest(env, backupId);
  if (sel.tables) {
    sel.tables.forEach((name, i) => {
      if (!manifest.tables.some((t) => t.name === name)) {
        throw new ValidationError(`database.tables[${i}]: backup ${backupId} has no table "${name}"`, `database.tables[${i}]`);
      }
    });
    return { kind: "tables", tables: [...new Set(sel.tables)] };
  }
  const userId = sel.user_id!;
  const index = manifest.schema.tables.findIndex((t) => t.name === USER_TABLE);
  if (index < 0) throw new ValidationError(`database.user_id: backup ${backupId} has no ${USER_TABLE} table`, "database.user_id");
  const info = manifest.schema.tables[index]!;
  const keyAt = info.columns.findIndex((c) => c.name === keyColumnsForUpsert(info)[0]) + (info.rowidColumn ? 1 : 0);
  for (const chunk of manifest.tables[index]!.chunks) {
    for (const { tuple } of chunkRows(await repo.getChunk(chunk.id))) {
      const v = tupleValues(tuple)[keyAt];
      if (v?.kind === "literal" && v.text === String(userId)) return { kind: "user", user_id: userId };
    }
  }
  throw new ValidationError(`database.user_id: backup ${backupId} has no user ${userId}`, "database.user_id");
}
