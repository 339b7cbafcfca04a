import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { ACCESS } from "../../src/api/access.ts";

it("docs/ACCESS.md lists exactly the access matrix the Worker enforces", () => {
  const rows = [...readFileSync("docs/ACCESS.md", "utf8").matchAll(/^\| `([A-Z]+ \/[^`]*)` \| ([^|]+) \| ([^|]*) \|/gm)].map((m) => [
    m[1],
    m[2]!.trim(),
    m[3]!.trim(),
  ]);
  const want = Object.entries(ACCESS).map(([route, a]) => [
    route,
    a.roles === "public" ? "public (no token)" : a.roles === "demo" ? "demo (DEMO_MODE only; admin)" : a.roles.join(", "),
    a.mfa === "always" ? "always" : a.mfa === "production" ? "into production" : "",
  ]);
  expect(rows).toEqual(want);
});
