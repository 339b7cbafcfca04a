// Attack: a deployment configured with the public demo's material (its master key, API tokens, issuer, DEMO_MODE),
// whose secrets anyone with this repository has. Defence: src/demo-material.ts answers every request outside local
// development with 500 demo_material_outside_local, naming what it found, and stops scheduled runs.
import { describe, expect, it } from "vitest";
import worker from "../../../src/index";
import { env } from "../helpers";

const DEMO = {
  BACKUP_ENCRYPTION_KEY: "HSkECvatCM49UY7LJSvQCSdHVIZWMvNlUnNxKAyUEe0=",
  API_TOKENS: JSON.stringify([
    { sha256: "5fe60fa84ec1e6def52a155b6080378a3bd07c6f2c78aa174dd1122bafa83e6e", subject: "demo-admin", roles: ["admin"] },
  ]),
  AUTH_ISSUER: "https://demo-idp.vaultline.local",
  AUTH_JWKS:
    '{"keys":[{"kid":"demo-1","kty":"EC","crv":"P-256","x":"y_flqj31KLYrybp8jx97fLFF2NHrreIVbTmJQTMjfn8","y":"_ZBk0ZzbzohlCjpbKaGck4p2rBTEaQjlpWmfDUYwde0"}]}',
  DEMO_MODE: "true",
};
const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;
const call = (url: string, overrides: Record<string, string>) =>
  worker.fetch!(new Request(url, { headers: { authorization: "Bearer vl-demo-admin" } }) as any, { ...env, ...overrides } as any, ctx);

describe("attack: the public demo's secrets in a deployment", () => {
  for (const [name, value] of Object.entries(DEMO)) {
    it(`${name} set to the demo's value is refused at the first request outside local development, naming it`, async () => {
      const res = await call("https://vaultline.example.com/admin/whoami", { [name]: value });
      expect(res.status).toBe(500);
      const body = (await res.json()) as any;
      expect(body.error.code).toBe("demo_material_outside_local");
      expect(body.error.message).toContain(name);
      expect(body.error.field).toBe(name);
    });
  }

  it("all of it together is named item by item; the health check is refused too", async () => {
    const res = await call("https://vaultline.example.com/healthz", DEMO);
    expect(res.status).toBe(500);
    const message = ((await res.json()) as any).error.message as string;
    for (const name of Object.keys(DEMO)) expect(message).toContain(name);
  });

  it("local development (a loopback host) keeps working with the demo's material", async () => {
    for (const host of ["http://localhost:8787", "http://127.0.0.1:8787", "http://vaultline.localhost"]) {
      const res = await call(`${host}/healthz`, DEMO);
      expect(res.status, host).toBe(200);
    }
  });

  it("a scheduled run with demo material and no local-development marker stops before doing anything", async () => {
    const deployed = { ...env, ...DEMO, VAULTLINE_LOCAL_DEVELOPMENT: undefined };
    await expect(
      worker.scheduled!({ cron: "*/5 * * * *", scheduledTime: Date.now(), noRetry() {} } as any, deployed as any, ctx),
    ).rejects.toThrow(/demo_material_outside_local|public demo's material/);
    await expect(
      worker.scheduled!(
        { cron: "*/5 * * * *", scheduledTime: Date.now(), noRetry() {} } as any,
        { ...deployed, VAULTLINE_LOCAL_DEVELOPMENT: "true" } as any,
        ctx,
      ),
    ).resolves.toBeUndefined();
    await expect(
      worker.scheduled!(
        { cron: "*/5 * * * *", scheduledTime: Date.now(), noRetry() {} } as any,
        { ...deployed, LOCAL_SETUP_TOKEN_SHA256: "a".repeat(64) } as any,
        ctx,
      ),
    ).resolves.toBeUndefined();
  });
});
