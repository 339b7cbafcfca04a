import { audit } from "../../catalog/audit-log";
import { openRepository } from "../../repo/open";
import { requestChange } from "../../changes/two-person";
import { Hono } from "hono";
import { KekId, RotationId } from "../../../schemas/keys";
import { getKeyRotation, insertKeyRotation } from "../../catalog/key-rotations";
import { NotFoundError } from "../../errors";
import { keyReport } from "../../key-management/inventory";
import { keyringOf } from "../../key-management/keyring";
import { checkRetirable } from "../../key-management/retire";
import { authConfig } from "../../auth/authenticate";
import { requireMfa } from "../../auth/roles";
import type { AppEnv } from "../app";
import { newId } from "../../ids";
import { pathId } from "../validate";
import { launch } from "../../launch";

/** The keyring (docs/KEYS.md): what each master key wraps, rotation, retirement. Key ids only, never key material. */
export function keyRoutes() {
  const r = new Hono<AppEnv>();

  r.get("/keys", async (c) => c.json(await keyReport(c.env.BACKUP_BUCKET, c.env.CATALOG_DB, await keyringOf(c.env))));

  r.post("/keys/rotate", async (c) => {
    const id = newId("kr");
    const by = c.get("principal").subject;
    c.set("auditTarget", id);
    await launch(c.env, "KEY_ROTATION", {
      id,
      params: { rotation_id: id, requested_by: by },
      record: () => insertKeyRotation(c.env.CATALOG_DB, { id, requested_by: by }),
    });
    return c.json({ rotation_id: id, status: "running", to_kek: (await keyringOf(c.env)).current.kekId }, 202);
  });

  r.get("/keys/rotations/:id", async (c) => {
    const id = pathId(c.req.param("id"), RotationId, "key rotation");
    const row = await getKeyRotation(c.env.CATALOG_DB, id);
    if (!row) throw new NotFoundError(`key rotation ${id} not found`);
    return c.json({ ...row, report: row.report ? JSON.parse(row.report) : null });
  });

  /**
   * A new data key for everything written from now on (docs/KEYS.md, "Data key rotation"): after a master key leaked,
   * what is backed up next is out of its reach. Earlier objects keep their key; deduplication starts over.
   */
  r.post("/keys/data-key/rotate", async (c) => {
    const repo = await openRepository(c.env);
    const by = c.get("principal").subject;
    await audit(c.env.CATALOG_DB, { actor: by, action: "key.data_key.rotating", target: repo.dataKey.id, outcome: 1 });
    const rotated = await repo.rotateDataKey();
    await audit(c.env.CATALOG_DB, { actor: by, action: "key.data_key.rotated", target: rotated.data_key_id, outcome: 1, detail: rotated });
    c.set("auditTarget", rotated.data_key_id);
    return c.json(rotated);
  });

  r.post("/keys/:id/retire", async (c) => {
    requireMfa(c.get("principal"), authConfig(c.env), "retiring a master key");
    const kek = pathId(c.req.param("id"), KekId, "master key");
    c.set("auditTarget", kek);
    // Checked now (so a refusal is immediate) and again when carried out, after a second person's approval.
    const { status } = await checkRetirable(c.env, kek);
    const change = await requestChange(c.env, {
      payload: { kind: "key_retire", kek_id: kek },
      target: kek,
      summary: `retire master key ${kek}: delete its ${status.wraps.length} wrap(s), irreversibly`,
      by: c.get("principal").subject,
    });
    return c.json(change, 202);
  });
  return r;
}
