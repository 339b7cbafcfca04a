import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";

// Every runbook names the tests that exercise its procedure: they must exist, with the test titles quoted.
it("each disaster-recovery runbook names tests that exist, and the titles it quotes are in them", () => {
  const dir = "docs/runbooks";
  const books = readdirSync(dir).filter((f) => f.endsWith(".md") && f !== "README.md");
  expect(books.sort()).toEqual([
    "complete-system-failure.md",
    "data-corruption.md",
    "human-error.md",
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
