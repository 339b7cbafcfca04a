// The session change feed (issue 17, item 1; docs/SESSIONS.md, "The change feed"): objects mark themselves changed
// after a write (one D1 write per object between ships), the shipper ships marked objects as sealed segments within
// a minute, and a session restore to an instant carries its base backup forward with them, deletions included.
import { describe, expect, it } from "vitest";
import type { SessionObject } from "../../examples/demo-provider/src/session-object";
import { feedShipper } from "../../src/capture/shipper-object";
import { decodeFeedSegment } from "../../src/feed/segment";
import { SessionFeedLine } from "../../schemas/sessions";
import { openRepository } from "../../src/repo/open";
import { api, backupOfType, env, restoreToInstant } from "./helpers";

const HOUR = 3_600_000;
const stub = (name: string) => env.SESSIONS.get(env.SESSIONS.idFromName(name)) as DurableObjectStub<SessionObject>;
const tick = () => new Promise((r) => setTimeout(r, 1100));
const ship = () => feedShipper(env, "sessions").shipSessions();
const marks = async () =>
  (await env.OIDC_DB.prepare("SELECT name, token FROM _vaultline_session_marks ORDER BY name").all<{ name: string; token: string }>())
    .results;

async function putSession(name: string, id: string, v: number, expires_at = Date.now() + HOUR) {
  await stub(name).putSession(name, { id, user_id: v, data: { v }, expires_at });
}

const restoreTo = (at: string) => restoreToInstant(at, ["sessions"]);

const sessionData = async (name: string) =>
  Object.fromEntries(
    (((await stub(name).dump()) as { tables: Record<string, any[]> }).tables.sessions as any[]).map((r) => [r.id, JSON.parse(r.data).v]),
  );

describe("session change feed", () => {
  it("marks an object once between ships, ships it with expired entries left out, and marks it again after", async () => {
    expect((await ship()).on).toBe(false); // no object has marked itself: the feed is off, nothing is claimed
    await putSession("feed-m", "live", 1);
    await putSession("feed-m", "gone", 2, Date.now() - HOUR); // already expired
    const first = await marks();
    expect(first.map((m) => m.name)).toEqual(["feed-m"]);
    await putSession("feed-m", "live", 3);
    expect(await marks(), "a second write before the ship writes no new mark").toEqual(first);

    const r = await ship();
    expect(r).toMatchObject({ on: true, objects: 1, deleted: 0, failed: [], more: false });
    expect(r.covered_until).toBeGreaterThan(Date.now() - 60_000);
    expect(await marks(), "shipped: the mark is gone").toEqual([]);
    const row = await env.CATALOG_DB.prepare(
      "SELECT key, sha256 FROM change_segments WHERE source = 'SESSIONS' ORDER BY first_seq DESC LIMIT 1",
    ).first<{
      key: string;
      sha256: string;
    }>();
    const { header, lines } = decodeFeedSegment(
      row!.key,
      await (await openRepository(env)).getSegment(row!.key, row!.sha256),
      "sessions",
      SessionFeedLine,
    );
    expect(header).toMatchObject({ feed: "sessions", covered_from: null });
    const shipped = lines.flatMap((l) => ("e" in l ? l.e : [])).map((e) => JSON.stringify(e));
    expect(shipped.some((e) => e.includes("'live'"))).toBe(true);
    expect(
      shipped.some((e) => e.includes("'gone'")),
      "an expired session is not shipped",
    ).toBe(false);

    await putSession("feed-m", "live", 4);
    expect(
      (await marks()).map((m) => m.name),
      "a write after the ship marks the object again",
    ).toEqual(["feed-m"]);
    expect((await marks())[0]!.token).not.toBe(first[0]!.token);
    // A mark the marks table lost (the provider's database put back, say) comes back with a write a minute later.
    await ship();
    await putSession("feed-m", "live", 5);
    await env.OIDC_DB.prepare("DELETE FROM _vaultline_session_marks").run();
    await putSession("feed-m", "live", 6);
    expect(await marks(), "within the minute: the flag stands").toEqual([]);
    await stub("feed-m").putMeta("_vl_changed", Date.now() - 61_000);
    await putSession("feed-m", "live", 7);
    expect(
      (await marks()).map((m) => m.name),
      "a minute on: marked again",
    ).toEqual(["feed-m"]);

    // The feed's first run recorded where it started: a session backup from before it is not carried forward.
    const breaks = await env.CATALOG_DB.prepare("SELECT kind FROM capture_breaks WHERE source = 'SESSIONS'").all();
    expect(breaks.results).toEqual([{ kind: "gap" }]);
  });

  it("restores sessions to an instant between two changes made after the backup, deletions included", async () => {
    await putSession("feed-a", "s1", 1);
    await ship(); // the feed starts (its first run)
    await tick();
    const base = await backupOfType("sessions");
    await tick(); // coverage trails a run's start by a second (the clock margin)

    // After the backup: a change to feed-a, a new object feed-b; shipped; the first instant.
    await putSession("feed-a", "s1", 2);
    await putSession("feed-b", "t1", 10);
    expect(await ship()).toMatchObject({ objects: 2, deleted: 0 });
    await tick();
    const at1 = new Date().toISOString();
    await tick();
    // Then a second change to feed-a and feed-b deleted; shipped; the second instant.
    await putSession("feed-a", "s1", 3);
    await stub("feed-b").forget("feed-b");
    expect(await ship()).toMatchObject({ objects: 1, deleted: 1 });
    await tick();
    const at2 = new Date().toISOString();

    const points = (await api("GET", "/admin/backup/restore-points?component=sessions")).json;
    expect(points.feed).toMatchObject({ from: base.completed_at, base_backup_id: base.backup_id });
    expect(Date.parse(points.feed.to)).toBeGreaterThan(Date.parse(at2) - 5_000);
    expect(points.rpo_seconds).toBeLessThan(60);

    const one = await restoreTo(at1);
    const instant = one.started.instants[0];
    expect(instant).toMatchObject({ component: "sessions", backup_id: base.backup_id, exact: false });
    expect(Date.parse(instant.reached), "the feed carries the backup past its completion").toBeGreaterThan(Date.parse(base.completed_at));
    expect(Date.parse(instant.reached)).toBeLessThanOrEqual(Date.parse(at1));
    expect(instant.skew_seconds).toBeLessThanOrEqual(5);
    expect(one.done.instant).toMatchObject({ target: at1, reached: instant.reached });
    expect(await sessionData("sandbox:feed-a")).toEqual({ s1: 2 });
    expect(await sessionData("sandbox:feed-b")).toEqual({ t1: 10 });

    const two = await restoreTo(at2);
    expect(await sessionData("sandbox:feed-a")).toEqual({ s1: 3 });
    expect(
      ((await stub("sandbox:feed-b").vaultlineExport(null, 10)) as { entries: unknown[] }).entries,
      "deleted before the instant: discarded",
    ).toEqual([]);
    expect(two.done.instant.skew_seconds).toBeLessThanOrEqual(5);

    expect(JSON.stringify(two.done.log)).toMatch(/carried forward by the session change feed/);

    // A lost catalog gets the feed back from the repository: its segments, coverage and where it started.
    const status = (await api("GET", "/admin/capture/status")).json.feeds.sessions;
    expect(status).toMatchObject({ on: true, last_error: null });
    for (const t of ["change_segments", "capture_state", "capture_breaks"])
      await env.CATALOG_DB.prepare(`DELETE FROM ${t} WHERE source = 'SESSIONS'`).run();
    expect((await api("GET", "/admin/backup/restore-points?component=sessions")).json.feed).toBeUndefined();
    const rebuilt = await api("POST", "/admin/catalog/rebuild");
    expect(rebuilt.status).toBe(200);
    expect(rebuilt.json.unreadable).toEqual([]);
    expect((await api("GET", "/admin/backup/restore-points?component=sessions")).json.feed).toEqual(points.feed);
    expect(await env.CATALOG_DB.prepare("SELECT count(*) AS n FROM capture_breaks WHERE source = 'SESSIONS'").first("n")).toBe(1);
    const again = await restoreTo(at1);
    expect(again.started.instants[0].reached).toBe(instant.reached);
  });

  it("a backup taken before the feed started is not carried forward by it", async () => {
    await putSession("feed-c", "x", 1);
    const base = await backupOfType("sessions"); // before the feed's first run
    await tick();
    await ship();
    await putSession("feed-c", "x", 2);
    await ship();
    await tick();
    const at = new Date().toISOString();
    const { started } = await restoreTo(at);
    expect(started.instants[0]).toMatchObject({ backup_id: base.backup_id, reached: base.completed_at });
    expect(await sessionData("sandbox:feed-c")).toEqual({ x: 1 });
  });
});
