// The suite's stand-in for Cloudflare Access: a team whose certs the outbound stand-in serves, and application tokens
// (`Cf-Access-Jwt-Assertion`) signed the way Access signs them (RS256). Test-only key: it signs nothing elsewhere.
import { importJWK, SignJWT } from "jose";

export const TEST_ACCESS = {
  team: "https://vaultline-test.cloudflareaccess.com",
  certs: "https://vaultline-test.cloudflareaccess.com/cdn-cgi/access/certs",
  aud: "4714c1358e65fe4b408ad6d432a5f878f08194bdb4752441fd56faefa9b2b6f2",
} as const;

const KEY = {
  kty: "RSA",
  n: "lQFVn0V75CliBuzK2COptKlzel54esZAm8zi_DK60U0RItpobxDPrURePl_3NpqSFOOEAE1FXcjlzZbmC4_IRR6UgNK6-IEQvjG9E9OfZLclrfiVUCES3doBgQxcaqk6f--isVCcjHTziKXKCvKWbWbWQ1usJsmb-M1RWFlrcYnIqmIz3vsJ7YVufryzCBxTNUX9oGa5nkjv4MESh78Nbzil_PTU1J1RLa4AQRXeBGwDHIMJe0XLj12macdScKtPbfBei-YgdnBG0Akw272uaGWmP1IHOfxD0EghzorPLNMFoo6LbITje8SVCopfiDqukJmKviP6lvQ-Wt9Emc-jWw",
  e: "AQAB",
  d: "CwSUPji3FoHw2646uYy5icBV56CArCNot5yI1Dk0EzHtqHQZ8Mx_bsJ1bYtPDlyTnLPOGO-dx3eJdpBH5mb1WhcOyA_M_38bq9SltIeba6kXQiv1bn1jlb__CHnPg5uL1dX0Y8QgL0qej2Yi8HhLoz9NbKGksyGJRPZ5o1zJUxXOOnYOwMRXNMscMjKbHyF7afRKgnWGUBQwgyQwvgkjtR3zaoqkTYbaBAyzTTzM7HjUlbEobxt1djifAfOy6UVwBcV1fTjB4vM3kUc5tJjQVGsAPDSBkBFvwjWeMIg3qJKWXNcq8ZLQlCvFO0TmvOFXbHicY71Fr0peqUvBbaiAUQ",
  p: "x-0iypue8WcndX49B75pDJcjt7Isbjk5wGQMZXrx6f3uMv6ePjFk1TDuhmluwpMBbeqgen-0ZNkokgs7qQOHowpBqDWxhDPIwTQKb2hIpDnKbBztuTs7rvEpwRfaz0j1v0Q0GRBh5h8QVpqwJ8j_nHMtaVJM7nQupNq1cAMFnW8",
  q: "vswGMCqUMxb9q2H5oUPAdC82bbj56Q07853YE4XIFKMteMdKE54Wl_AjJF8YkjyaLU8qL3UTbnD_3uDHoLYgwJxyNiRt7Atx0n_ZaGTZd8k2typG1uR_S-IcI1IVT9Qb4N165NmPmBfnn5V1UVOrrpk_SagvuL626o4WdRvPutU",
  dp: "xnPv2ypKxdndY1WiAzPRVvwYKloknG0VlJI7c-hshhbYAaqZLaceLjlaK_YwSdhezNrf3XkyegDNstqPqB-m3gJqViymP1Kf7phX22qq4Mm000iL-RiBEBC3n8KsIqKLvgZXqKGIbENdlnoKbhOpF4WFCEz3rKOLQX0QKVX2luU",
  dq: "ZSfSWBMbA4M69nQ5XzCGhpLJbp7VkKO9l0mmV6NkEtz4rMIsGf6EyAU-_HeWlWGf9Em2efa-WJ18avQNor0s3DGVs_LYfH8M16eE4n4ldgauBapaaHA4tUip1mgceHhiV3PVRiO6p850tP0OeBG-QhFppmmO84nZfL3cVjZqigk",
  qi: "LGUyPoeBhA5yQgnZQmmUFNJBMKFhwDE1RcfIouxLTG_7SxLB3Ufc_DWDlrljLt5aYAEYSppOZ08PHn4O9C_v39mpKkj2mKZAcEVjFIO0QDeEKnu-jkHp4exRazMNE24QdGNf4uc9Hpi4bj-veWbmGDeCDD3F4y33seN7rv2dj0c",
  kid: "access-test-1",
} as const;

export function accessStandin(request: Request): Response | null {
  if (request.url !== TEST_ACCESS.certs) return null;
  const { kid, kty, n, e } = KEY;
  return Response.json({ keys: [{ kid, kty, n, e, alg: "RS256", use: "sig" }] });
}

/** An application token for `email`, as Access issues it, with the claims the identity provider passes through. */
export async function accessAssertion(o: {
  email: string;
  roles?: string[];
  amr?: string[];
  audience?: string;
  expiresIn?: number;
}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ email: o.email, type: "app", custom: { vaultline_roles: o.roles ?? [], ...(o.amr ? { amr: o.amr } : {}) } })
    .setProtectedHeader({ alg: "RS256", kid: KEY.kid })
    .setSubject(crypto.randomUUID())
    .setIssuer(TEST_ACCESS.team)
    .setAudience(o.audience ?? TEST_ACCESS.aud)
    .setIssuedAt(now)
    .setExpirationTime(now + (o.expiresIn ?? 600))
    .sign(await importJWK(KEY, "RS256"));
}
