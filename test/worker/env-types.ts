// The env that `cloudflare:test` hands tests is the Worker's own.
import type { Env as VaultlineEnv } from "../../src/env";

declare global {
  namespace Cloudflare {
    interface Env extends VaultlineEnv {}
  }
}
export {};
