import { describe, expect, it } from "vitest";
import { api, env, runBackup, seedWithEdgeCases, waitFor } from "./helpers";

describe("re-verification without replication", () => {
  it("the rotating scrub re-reads the primary alone, and reports and audits an object that no longer matches its digest", async () => {
    await seedWithEdgeCases(env.OIDC_DB, 20);
    await runBackup();
    const all = (await env.BACKUP_BUCKET.list({ prefix: "data/" })).objects;
    const victim = all[0]!.key;
    const obj = await env.BACKUP_BUCKET.get(victim);
    const bytes = new Uint8Array(await obj!.arrayBuffer());
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    // Bit rot: the bytes change, the digest recorded at upload stays.
    await env.BACKUP_BUCKET.put(victim, bytes, { customMetadata: obj!.customMetadata });

    const started = await api("POST", "/admin/scrub", { as: "operator", body: { objects: 10_000 } });
    expect(started.status, JSON.stringify(started.json)).toBe(202);
    const run = await waitFor(
      async () => (await api("GET", `/admin/scrub/runs/${started.json.run_id}`)).json,
      (r) => r.status === "completed" || r.status === "failed",
    );
    expect(run.status).toBe("completed");
    const report = typeof run.report === "string" ? JSON.parse(run.report) : run.report;
    expect(report.mode).toBe("primary only");
    expect(report.checked).toBeGreaterThanOrEqual(all.length);
    expect(report.cycle_completed).toBe(true);
    expect(report.unrepairable).toEqual([
      { key: victim, reason: expect.stringMatching(/do not match the digest recorded at upload; no replica/) },
    ]);
    const audited = await env.CATALOG_DB.prepare(`SELECT target FROM audit_log WHERE action = 'scrub.unrepairable'`).all();
    expect(audited.results).toEqual([{ target: victim }]);
  });
});
