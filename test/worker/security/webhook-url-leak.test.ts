// Attack: a viewer reads a chat webhook's URL (a bearer secret: whoever has it posts into the channel) from the
// dead letters. Defence: src/notify/deliver.ts records a dead letter with the destination's host and a digest,
// never its URL, in its id or anywhere else.
import { describe, expect, it } from "vitest";
import { consume } from "../../../src/notify/deliver";
import type { Delivery } from "../../../schemas/notifications";
import { api, env } from "../helpers";

const SECRET_URL = "https://hooks.chat.test/services/T0001/B0002/s3cr3t-webhook-token";

describe("attack: reading a webhook's secret URL from the dead letters", () => {
  it("a dead letter names the host and a digest; the URL is nowhere in the catalog or the API's answer", async () => {
    const event = {
      id: "ev_1_abcdef012345",
      type: "backup.failed",
      at: new Date().toISOString(),
      severity: "critical",
      summary: "backup failed: bk_x",
      text: "backup failed",
      target: "bk_x",
      data: {},
    };
    const body: Delivery = { event, destination: SECRET_URL } as Delivery;
    const batch = {
      queue: "vaultline-notifications-dlq",
      messages: [{ body, attempts: 9, ack() {}, retry() {} }],
    } as unknown as MessageBatch<Delivery>;
    await consume(batch, env);

    const rows = await env.CATALOG_DB.prepare(`SELECT * FROM notification_dead_letters`).all();
    expect(JSON.stringify(rows.results)).not.toContain("s3cr3t");
    const answer = await api("GET", "/admin/notifications", { as: "viewer" });
    expect(answer.status).toBe(200);
    expect(JSON.stringify(answer.json)).not.toContain("s3cr3t");
    expect(answer.json.dead_letters).toEqual([
      expect.objectContaining({
        id: expect.stringMatching(/^ev_1_abcdef012345:[0-9a-f]{16}$/),
        destination: expect.stringMatching(/^hooks\.chat\.test #/),
      }),
    ]);
  });
});
