import { audit } from "../../catalog/audit-log";
import { openRepository } from "../../repo/open";
import { requestChange } from "../../changes/two-person";
import { createRoute } from "@hono/zod-openapi";
import { DataKeyRotated, KeyReport, KeyRotation, KeyRotationStarted } from "../../../schemas/responses";
import { ChangeView } from "../../../schemas/changes";
import { ERRORS, idParam, json, routes } from "../openapi";
import { KekId, RotationId } from "../../../schemas/keys";
import { getKeyRotation, insertKeyRotation } from "../../catalog/key-rotations";
import { NotFoundError } from "../../errors";
import { keyReport } from "../../key-management/inventory";
import { keyringOf } from "../../key-management/keyring";
import { checkRetirable } from "../../key-management/retire";
import { newId } from "../../ids";
import { launch } from "../../launch";

/** The keyring (docs/KEYS.md): what each master key wraps, rotation, retirement. Key ids only, never key material. */
export function keyRoutes() {
  const r = routes();

  r.openapi(
    createRoute({
      method: "get",
      path: "/keys",
      summary: "Master keys, data keys, what needs what",
      responses: { 200: json(KeyReport, "The keyring"), ...ERRORS },
    }),
    async (c) => c.json(await keyReport(c.env.BACKUP_BUCKET, c.env.CATALOG_DB, await keyringOf(c.env)), 200),
  );

  r.openapi(
    createRoute({
      method: "post",
      path: "/keys/rotate",
      summary: "Re-wrap every data key under the current master key",
      responses: { 202: json(KeyRotationStarted, "Started"), ...ERRORS },
    }),
    async (c) => {
      const id = newId("kr");
      const by = c.get("principal").subject;
      c.set("auditTarget", id);
      await launch(c.env, "KEY_ROTATION", {
        id,
        params: { rotation_id: id, requested_by: by },
        record: () => insertKeyRotation(c.env.CATALOG_DB, { id, requested_by: by }),
      });
      return c.json({ rotation_id: id, status: "running" as const, to_kek: (await keyringOf(c.env)).current.kekId }, 202);
    },
  );

  r.openapi(
    createRoute({
      method: "get",
      path: "/keys/rotations/{id}",
      summary: "A key rotation and its report",
      request: { params: idParam(RotationId, "key rotation") },
      responses: { 200: json(KeyRotation, "The rotation"), ...ERRORS },
    }),
    async (c) => {
      const id = c.req.valid("param").id;
      const row = await getKeyRotation(c.env.CATALOG_DB, id);
      if (!row) throw new NotFoundError(`key rotation ${id} not found`);
      return c.json({ ...row, report: row.report ? JSON.parse(row.report) : null }, 200);
    },
  );

  /**
   * A new data key for everything written from now on (docs/KEYS.md, "Data key rotation"): after a master key leaked,
   * what is backed up next is out of its reach. Earlier objects keep their key; deduplication starts over.
   */
  r.openapi(
    createRoute({
      method: "post",
      path: "/keys/data-key/rotate",
      summary: "A new data key for everything written from now on",
      responses: { 200: json(DataKeyRotated, "Rotated"), ...ERRORS },
    }),
    async (c) => {
      const repo = await openRepository(c.env);
      const by = c.get("principal").subject;
      await audit(c.env.CATALOG_DB, { actor: by, action: "key.data_key.rotating", target: repo.dataKey.id, outcome: 1 });
      const rotated = await repo.rotateDataKey();
      await audit(c.env.CATALOG_DB, {
        actor: by,
        action: "key.data_key.rotated",
        target: rotated.data_key_id,
        outcome: 1,
        detail: rotated,
      });
      c.set("auditTarget", rotated.data_key_id);
      return c.json(rotated, 200);
    },
  );

  r.openapi(
    createRoute({
      method: "post",
      path: "/keys/{id}/retire",
      summary: "Ask to delete an old master key's wraps (a second person approves)",
      request: { params: idParam(KekId, "master key") },
      responses: { 202: json(ChangeView, "A change request"), ...ERRORS },
    }),
    async (c) => {
      const kek = c.req.valid("param").id;
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
    },
  );
  return r;
}
