import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import type { ZodType } from "zod";
import { CreateBackupBody, DecisionBody, RestoreBody } from "../../schemas/api.ts";

// Every runbook names the tests that exercise its procedure: they must exist, with the test titles quoted.
it("each disaster-recovery runbook names tests that exist, and the titles it quotes are in them", () => {
  const dir = "docs/runbooks";
  const books = readdirSync(dir).filter((f) => f.endsWith(".md") && f !== "README.md");
  expect(books.sort()).toEqual([
    "complete-system-failure.md",
    "data-corruption.md",
    "human-error.md",
    "large-database.md",
    "provider-down.md",
    "regional-outage.md",
    "security-breach.md",
  ]);
  for (const book of books) {
    const text = readFileSync(join(dir, book), "utf8");
    const drill = text.slice(text.indexOf("## Drill"));
    expect(drill.length, `${book} has a Drill section`).toBeGreaterThan(10);
    const files = [...drill.matchAll(/`(test\/[\w/.-]+\.test\.ts)`/g)].map((m) => m[1]!);
    expect(files.length, book).toBeGreaterThan(0);
    for (const f of files) expect(existsSync(f), `${book}: ${f}`).toBe(true);
    for (const [, file, title] of drill.matchAll(/`(test\/[\w/.-]+\.test\.ts)`[^"\n]*?: "([^"]+)"/g)) {
      const quoted = title!.replace(/\s+/g, " ").split(" (")[0]!;
      expect(readFileSync(file!, "utf8"), `${book}: "${quoted}" in ${file}`).toContain(quoted);
    }
  }
});

// Every request body a runbook sends with curl is validated by the schema the API validates it with, so a runbook
// cannot ask for what the API refuses (a component that cannot be restored, a missing confirmation, ...).
it("each runbook's curl bodies pass the schemas the API checks them with", () => {
  const SCHEMAS: [RegExp, ZodType][] = [
    [/\/admin\/backup\/restore$/, RestoreBody],
    [/\/admin\/backup\/create$/, CreateBackupBody],
    [/\/admin\/(restore|changes)\/[^/]+\/(approve|reject)$/, DecisionBody],
  ];
  const dir = "docs/runbooks";
  let checked = 0;
  for (const book of readdirSync(dir).filter((f) => f.endsWith(".md"))) {
    for (const line of readFileSync(join(dir, book), "utf8").split("\n")) {
      const body = /-d '(\{[^']*\})'/.exec(line)?.[1];
      const path = /\$V(\/admin\/[\w/.<>-]+)/.exec(line)?.[1];
      if (!body || !path) continue;
      const schema = SCHEMAS.find(([re]) => re.test(path))?.[1];
      expect(schema, `${book}: no schema known for ${path}`).toBeDefined();
      const parsed = schema!.safeParse(
        JSON.parse(body.replace(/rs_\.\.\./g, "rs_x").replace(/bk_\.\.\./g, "bk_20261201T000000Z_00000000")),
      );
      expect(parsed.success, `${book}: ${path} ${body}: ${parsed.error?.issues[0]?.message}`).toBe(true);
      checked++;
    }
  }
  expect(checked).toBeGreaterThanOrEqual(4);
});
