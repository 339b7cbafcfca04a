import type { DatabaseSelection } from "../../schemas/api";
import type { z } from "zod";
import { chunkRows } from "../db/chunker";
import { tupleValues } from "../db/literals";
import type { Env } from "../env";
import { ValidationError } from "../errors";
import { providerProfile } from "../provider/profile";
import { openDatabaseManifest } from "../repo/open";
import type { RestoreScope } from "./scope";

/**
 * Checks that a backup holds what a scoped database restore asks for, naming the field when it does not: each
 * table, or the user (its key of the type the provider profile declares, found by reading the user table's chunks
 * until its row turns up).
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
  const profile = providerProfile(env);
  const u = profile.users;
  const userId = sel.user_id!;
  if (u.key_type === "integer" ? !Number.isSafeInteger(userId) : typeof userId !== "string") {
    throw new ValidationError(
      `database.user_id: the provider's user key ${u.table}.${u.key} is ${u.key_type === "integer" ? "an integer" : "text"}`,
      "database.user_id",
    );
  }
  const index = manifest.schema.tables.findIndex((t) => t.name === u.table);
  if (index < 0) throw new ValidationError(`database.user_id: backup ${backupId} has no ${u.table} table`, "database.user_id");
  const info = manifest.schema.tables[index]!;
  const column = info.columns.findIndex((c) => c.name === u.key);
  if (column < 0)
    throw new ValidationError(`database.user_id: table ${u.table} in backup ${backupId} has no column ${u.key}`, "database.user_id");
  const keyAt = column + (info.rowidColumn ? 1 : 0);
  const matches = (v: ReturnType<typeof tupleValues>[number] | undefined) =>
    typeof userId === "number" ? v?.kind === "literal" && v.text === String(userId) : v?.kind === "text" && v.value === userId;
  for (const chunk of manifest.tables[index]!.chunks) {
    for (const { tuple } of chunkRows(await repo.getChunk(chunk.id))) {
      if (matches(tupleValues(tuple)[keyAt])) {
        const { table, key, follow_foreign_keys, owned_by } = u;
        return {
          kind: "user",
          user_id: userId,
          users: { table, key, follow_foreign_keys, owned_by },
          exclude_tables: profile.database.exclude_tables,
        };
      }
    }
  }
  throw new ValidationError(`database.user_id: backup ${backupId} has no user ${JSON.stringify(userId)}`, "database.user_id");
}
