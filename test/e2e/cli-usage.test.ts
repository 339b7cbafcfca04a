// `npx vaultline` as a new user meets it: help, version, usage errors (exit 2), and a server error told apart from a
// refusal (exit 5, not 3), against a local HTTP server standing in for a failing Worker.
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { vaultline } from "../shared/vaultline-cli.ts";

describe("npx vaultline: help, version and usage", () => {
  it("--help and -h print the usage (exit 0); --version prints the package's version; unknown commands and options are usage errors (exit 2)", async () => {
    for (const flag of ["--help", "-h"]) {
      const r = await vaultline([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^usage:\n {2}vaultline backup create/);
      expect(r.stdout).toContain("vaultline break-glass keygen");
    }
    const version = JSON.parse(readFileSync("package.json", "utf8")).version;
    expect(await vaultline(["--version"])).toMatchObject({ code: 0, stdout: `vaultline ${version}\n` });
    const unknown = await vaultline(["frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command frobnicate/);
    const option = await vaultline(["backup", "list", "--bogus"], { VAULTLINE_URL: "http://127.0.0.1:9", VAULTLINE_TOKEN: "x" });
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/Unknown option '--bogus'/);
    const recover = await vaultline(["recover", "list", "--bogus"]);
    expect(recover.code).toBe(2);
  });

  it("a 5xx is a server error (exit 5), a 4xx a refusal (exit 3), each said as such", async () => {
    const server = createServer((req, res) => {
      const status = req.url?.includes("/admin/backup/list") ? 503 : 403;
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: status === 503 ? "audit_unavailable" : "forbidden", message: "stand-in" } }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const five = await vaultline(["backup", "list"], { VAULTLINE_URL: url, VAULTLINE_TOKEN: "x" });
      expect(five.code).toBe(5);
      expect(five.stderr).toMatch(/server error \(HTTP 503\) \[audit_unavailable\] stand-in/);
      const four = await vaultline(["health"], { VAULTLINE_URL: url, VAULTLINE_TOKEN: "x" });
      expect(four.code).toBe(3);
      expect(four.stderr).toMatch(/\[forbidden\] stand-in/);
    } finally {
      server.close();
    }
  });
});
