import { createRoute } from "@hono/zod-openapi";
import { ProviderStatus } from "../../../schemas/responses";
import { ERRORS, json, routes } from "../openapi";
import { checkProfile } from "../../provider/check";
import { providerProfile } from "../../provider/profile";
import type { z } from "zod";

/**
 * The protected provider as Vaultline sees it (docs/ADOPTING.md): its profile, and the profile checked against the
 * live database (every table and column it names, the user key's type, where a user's rows are). `npm start` and
 * an operator adopting a provider call this first; backups refuse to start while it reports a problem.
 */
export function providerRoutes() {
  const r = routes();
  r.openapi(
    createRoute({
      method: "get",
      path: "/provider",
      summary: "The provider profile, checked against the live database",
      responses: { 200: json(ProviderStatus, "Profile and check"), ...ERRORS },
    }),
    async (c) => {
      const profile = providerProfile(c.env);
      return c.json({ profile, check: await checkProfile(c.env.OIDC_DB, profile) } satisfies z.infer<typeof ProviderStatus>, 200);
    },
  );
  return r;
}
