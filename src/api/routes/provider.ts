import { Hono } from "hono";
import { checkProfile } from "../../provider/check";
import { providerProfile } from "../../provider/profile";
import type { AppEnv } from "../app";
import type { z } from "zod";
import type { ProviderStatus } from "../../../schemas/responses";

/**
 * The protected provider as Vaultline sees it (docs/ADOPTING.md): its profile, and the profile checked against the
 * live database (every table and column it names, the user key's type, where a user's rows are). `npm start` and
 * an operator adopting a provider call this first; backups refuse to start while it reports a problem.
 */
export function providerRoutes() {
  const r = new Hono<AppEnv>();
  r.get("/provider", async (c) => {
    const profile = providerProfile(c.env);
    return c.json({ profile, check: await checkProfile(c.env.OIDC_DB, profile) } satisfies z.infer<typeof ProviderStatus>);
  });
  return r;
}
