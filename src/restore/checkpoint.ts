import type { Component } from "../../schemas/api";
import type { ComponentRestorePlan } from "../../schemas/workflows";
import type { Env } from "../env";
import { VaultlineError } from "../errors";
import { openDatabaseManifest } from "../repo/open";
import { verifySchemaObjects } from "./verify-against-manifest";

/** A stage's outcome, decided: a child failed, a gate failed. Not retried (the child already retried its steps). */
export class StageError extends VaultlineError {
  constructor(code: string, message: string) {
    super(code, message, 500);
    this.retryable = false;
  }
}

/** What a checkpoint needs to know about a component restore. */
export interface Checkpoint {
  component: Component;
  backup_id: string;
  scoped: boolean;
}

export const checkOf = (plan: ComponentRestorePlan): Checkpoint => ({
  component: plan.component,
  backup_id: (plan.params as { backup_id: string }).backup_id,
  scoped: Boolean((plan.params as { scope?: unknown }).scope),
});

/**
 * The validation checkpoint after a component restore in production: for the database, the schema equals the
 * backup's (a whole-database restore) and no row references a missing parent.
 */
export async function checkpoint(env: Env, c: Checkpoint): Promise<void> {
  if (c.component !== "database") return;
  const { manifest } = await openDatabaseManifest(env, c.backup_id);
  if (!c.scoped) await verifySchemaObjects(env.OIDC_DB, manifest);
  const { results } = await env.OIDC_DB.prepare("PRAGMA foreign_key_check").all();
  if (results.length)
    throw new StageError("verification_failed", `${results.length} foreign-key violation(s) in OIDC_DB after the restore`);
}
