// Every Workflow parses its payload before anything else (schemas/workflows.ts): one test per workflow, generated from
// the registry of bindings and schemas, so a workflow added without its schema has no entry to pass.
import { describe, expect, it } from "vitest";
import { WORKFLOW_PARAMS } from "../../schemas/workflows";
import { introspectWorkflowInstance } from "cloudflare:test";
import { env } from "./helpers";

const bindings = Object.keys(WORKFLOW_PARAMS) as (keyof typeof WORKFLOW_PARAMS)[];

describe("workflow payloads", () => {
  it("the registry names every Workflow binding the Worker has", () => {
    const bound = JSON.parse((env as unknown as { WORKFLOW_BINDINGS: string }).WORKFLOW_BINDINGS) as string[];
    expect([...bound].sort()).toEqual([...bindings].sort());
  });

  for (const binding of bindings) {
    it(`${binding} fails at once on a malformed payload, naming the field, and starts nothing`, async () => {
      const schema = WORKFLOW_PARAMS[binding];
      const first = Object.keys(schema.shape)[0]!;
      const wf = (env as unknown as Record<string, Workflow>)[binding]!;
      // The first field of the wrong type, and a field the schema does not have.
      const id = `bad-${binding.toLowerCase().replace(/_/g, "-")}`;
      await using instance = await introspectWorkflowInstance(wf, id);
      await wf.create({ id, params: { [first]: 12345, not_a_field: true } });
      await instance.waitForStatus("errored");
      // Audited before the instance fails (the local runtime reports every step failure with one generic message).
      const entry = await env.CATALOG_DB.prepare(
        "SELECT actor, detail FROM audit_log WHERE action = 'workflow.payload_invalid' AND target = ?",
      )
        .bind(id)
        .first<{ actor: string; detail: string }>();
      expect(entry?.actor).toBe("system");
      expect(JSON.parse(entry!.detail)).toMatchObject({
        field: first,
        message: expect.stringMatching(new RegExp(`^\\w+Workflow: ${first}: `)),
      });
      expect(await env.CATALOG_DB.prepare("SELECT (SELECT count(*) FROM backups) + (SELECT count(*) FROM restores) AS n").first("n")).toBe(
        0,
      );
    });
  }
});
