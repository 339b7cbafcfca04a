import { z } from "zod";
import { seedAssets } from "./assets";
import type { DemoEnv } from "./env";
import { seedSessions, sessionObjectCount } from "./sessions";
import { changeShare, sessionAndFileLoad, writeLoad } from "./workload";

export { SessionObject } from "./session-object";

const SeedSessionsBody = z.strictObject({
  sessions: z.number().int().min(1).max(1_000_000).default(2000),
  objects: z.number().int().min(1).max(10_000).default(200),
});
const WriteLoadBody = z.strictObject({
  batches: z.number().int().min(1).max(1000).default(1),
  signins_per_batch: z.number().int().min(1).max(200).default(25),
  seed: z.number().int().default(1),
  /** Sessions written through the session objects as well (one per sign-in at most), and files uploaded. */
  sessions: z.number().int().min(0).max(1000).default(0),
  files: z.number().int().min(0).max(100).default(0),
  session_objects: z.number().int().min(1).max(10_000).default(200),
});
const SeedAssetsBody = z.strictObject({
  objects: z.number().int().min(1).max(10_000).default(100),
  bytes: z
    .number()
    .int()
    .min(0)
    .max(16 << 20)
    .default(1 << 20),
  prefix: z.string().max(100).default("files/"),
});
const ChangeBody = z.strictObject({ percent: z.number().min(0.01).max(100).default(1) });

async function body<S extends z.ZodType>(schema: S, request: Request): Promise<z.infer<S>> {
  const text = await request.text();
  const r = schema.safeParse(text ? JSON.parse(text) : {});
  if (!r.success) throw new BadRequest(`${r.error.issues[0]!.path.join(".") || "body"}: ${r.error.issues[0]!.message}`);
  return r.data;
}
class BadRequest extends Error {}

/**
 * The demo OIDC provider's own Worker: its database (OIDC_DB), its files (ASSETS_BUCKET) and its session Durable
 * Objects (SessionObject). It stands for the provider an operator runs; Vaultline binds its database and its Durable
 * Object namespace (`script_name`) as it would bind any provider's. These routes write demo data and workload for
 * `npm start`, the tests and the benchmarks; Vaultline reaches them through its DEMO_PROVIDER service binding, only
 * locally (DEMO_MODE).
 */
export default {
  async fetch(request: Request, env: DemoEnv): Promise<Response> {
    const path = new URL(request.url).pathname;
    const route = `${request.method} ${path}`;
    try {
      switch (route) {
        case "GET /demo/sessions":
          return Response.json({ objects: await sessionObjectCount(env) });
        case "POST /demo/seed-sessions": {
          const b = await body(SeedSessionsBody, request);
          const before = await sessionObjectCount(env);
          const began = Date.now();
          const seeded = await seedSessions(env, b);
          return Response.json({ ...seeded, objects_before: before, objects_after: await sessionObjectCount(env), ms: Date.now() - began });
        }
        case "POST /demo/write-load": {
          const b = await body(WriteLoadBody, request);
          const db = await writeLoad(env.OIDC_DB, { batches: b.batches, signinsPerBatch: b.signins_per_batch, seed: b.seed });
          const more =
            b.sessions || b.files
              ? await sessionAndFileLoad(env, { sessions: b.sessions, files: b.files, objects: b.session_objects, seed: b.seed })
              : { sessions: 0, files: 0 };
          return Response.json({ ...db, sessions_written: more.sessions, files_written: more.files });
        }
        case "POST /demo/seed-assets": {
          const b = await body(SeedAssetsBody, request);
          const began = Date.now();
          return Response.json({ ...(await seedAssets(env.ASSETS_BUCKET, b)), ms: Date.now() - began });
        }
        case "POST /demo/change":
          return Response.json(await changeShare(env.OIDC_DB, (await body(ChangeBody, request)).percent));
        default:
          return Response.json({ error: { code: "not_found", message: `no route ${route}` } }, { status: 404 });
      }
    } catch (e) {
      const status = e instanceof BadRequest || e instanceof SyntaxError ? 400 : 500;
      return Response.json(
        { error: { code: status === 400 ? "invalid_request" : "internal_error", message: (e as Error).message } },
        { status },
      );
    }
  },
} satisfies ExportedHandler<DemoEnv>;
