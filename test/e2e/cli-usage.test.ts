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
    // Per command: its own lines only.
    const restoreHelp = await vaultline(["restore", "--help"]);
    expect(restoreHelp.code).toBe(0);
    expect(restoreHelp.stdout).toContain("vaultline restore start (--backup ID | --at INSTANT)");
    expect(restoreHelp.stdout).toContain("[--tables a,b | --user ID]");
    expect(restoreHelp.stdout).not.toContain("vaultline backup create");
    const captureHelp = await vaultline(["capture", "-h"]);
    expect(captureHelp).toMatchObject({
      code: 0,
      stdout: expect.stringContaining("vaultline capture install|status|ship|ship-feeds|remove"),
    });
    const recoverHelp = await vaultline(["recover", "database", "--help"]);
    expect(recoverHelp.stdout).toContain("--s3-endpoint URL --s3-bucket NAME");
    expect((await vaultline(["frobnicate", "--help"])).code).toBe(2);
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

  it("restore start sends every selection the API takes: tables or a user, a prefix or an object, session objects", async () => {
    const bodies: unknown[] = [];
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        bodies.push(JSON.parse(body || "null"));
        res.writeHead(202, { "content-type": "application/json" });
        res.end(JSON.stringify({ restore_id: "rs_x", status: "initiated" }));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const env = { VAULTLINE_URL: `http://127.0.0.1:${(server.address() as { port: number }).port}`, VAULTLINE_TOKEN: "x" };
    try {
      expect((await vaultline(["restore", "start", "--at", "2026-11-29T09:14:59Z", "--user", "42"], env)).code).toBe(0);
      expect((await vaultline(["restore", "start", "--backup", "bk_a", "--tables", "users,consents"], env)).code).toBe(0);
      const assets = [
        "restore",
        "start",
        "--backup",
        "bk_a",
        "--components",
        "assets,sessions",
        "--prefix",
        "avatars/",
        "--objects",
        "s1,s2",
        "--skip-expired",
      ];
      expect((await vaultline(assets, env)).code).toBe(0);
      expect((await vaultline(["restore", "start", "--backup", "bk_a", "--tables", "t", "--user", "1"], env)).code).toBe(2);
    } finally {
      server.close();
    }
    expect(bodies).toEqual([
      { target_environment: "test", target_timestamp: "2026-11-29T09:14:59Z", database: { user_id: 42 } },
      { target_environment: "test", backup_id: "bk_a", database: { tables: ["users", "consents"] } },
      {
        target_environment: "test",
        backup_id: "bk_a",
        components: ["assets", "sessions"],
        assets: { prefix: "avatars/" },
        sessions: { objects: ["s1", "s2"], skip_expired: true },
      },
    ]);
  });
});
