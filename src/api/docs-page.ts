// GET /docs: the OpenAPI document rendered by Swagger UI. @hono/swagger-ui names the assets of the pinned version on
// jsDelivr; the page loads them with Subresource Integrity (hashes of swagger-ui-dist@5.35.0 as published on npm,
// which jsDelivr serves byte for byte), so a changed file on the CDN is refused by the browser rather than run on
// the admin API's origin. No inline script: the start-up lives in /docs.js.
import { SwaggerUI } from "@hono/swagger-ui";

const SWAGGER_UI_VERSION = "5.35.0";
const INTEGRITY: Record<string, string> = {
  "swagger-ui-bundle.js": "sha384-gjRm0bEPMeTmMh5jT2cHccIwCUZSTd8YC+j0d0sXw0MdGEfScduGpSyF3ZSSLkX9",
  "swagger-ui.css": "sha384-WlYgdmXYOOBWL5apwjDEZwN+U3HmXSSu5R6V5aGxEcf7z+KuRNwBhoxKVN1i3D5I",
};
const integrityOf = (url: string) => {
  const sri = INTEGRITY[url.slice(url.lastIndexOf("/") + 1)];
  if (!sri) throw new Error(`no integrity hash for ${url}`);
  return sri;
};

export const DOCS_SECURITY = {
  "content-security-policy":
    "default-src 'none'; script-src 'self' https://cdn.jsdelivr.net; style-src 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

export function docsPage(): string {
  return SwaggerUI({
    url: "/openapi.json",
    version: SWAGGER_UI_VERSION,
    manuallySwaggerUIHtml: (asset) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Vaultline admin API</title>
${asset.css.map((u) => `<link rel="stylesheet" href="${u}" integrity="${integrityOf(u)}" crossorigin="anonymous">`).join("\n")}
</head>
<body>
<main id="swagger-ui" aria-label="Vaultline admin API reference"><p>Loading the API reference from <a href="/openapi.json">/openapi.json</a>…</p></main>
${asset.js.map((u) => `<script src="${u}" integrity="${integrityOf(u)}" crossorigin="anonymous"></script>`).join("\n")}
<script src="/docs.js"></script>
</body>
</html>`,
  });
}

/** Starts Swagger UI on /openapi.json; "Try it out" sends a bearer token the reader pastes (never stored). */
export const DOCS_JS = `window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true, persistAuthorization: false });
});
`;
