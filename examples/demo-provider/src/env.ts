/** The demo provider's bindings (examples/demo-provider/wrangler.jsonc). */
export interface DemoEnv {
  OIDC_DB: D1Database;
  ASSETS_BUCKET: R2Bucket;
  SESSIONS: DurableObjectNamespace<import("./session-object").SessionObject>;
}
