import { ProviderProfile } from "../../schemas/provider";
import { ConfigError } from "../errors";

let cached: { raw: unknown; profile: ProviderProfile } | null = null;

/**
 * The provider profile from the PROVIDER_PROFILE var (docs/ADOPTING.md): a JSON object in wrangler.jsonc's vars, or
 * the same as a JSON string. A malformed profile is a ConfigError naming the field; parsed once per isolate.
 */
export function providerProfile(env: { PROVIDER_PROFILE?: unknown }): ProviderProfile {
  const raw = env.PROVIDER_PROFILE;
  if (cached && cached.raw === raw) return cached.profile;
  if (raw === undefined || raw === "")
    throw new ConfigError("PROVIDER_PROFILE is not set: describe the provider Vaultline protects (docs/ADOPTING.md)", "PROVIDER_PROFILE");
  let json: unknown = raw;
  if (typeof raw === "string") {
    try {
      json = JSON.parse(raw);
    } catch {
      throw new ConfigError("PROVIDER_PROFILE is not valid JSON", "PROVIDER_PROFILE");
    }
  }
  const r = ProviderProfile.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const field = ["PROVIDER_PROFILE", ...issue.path.map(String)].join(".");
    throw new ConfigError(`${field}: ${issue.message}`, field);
  }
  cached = { raw, profile: r.data };
  return r.data;
}
