import type { Env } from "../../env";
import { FEEDS, type Feed } from "../../../schemas/feed";
import { FEED_SOURCE } from "../../feed/run";
import { feedRestorableUntil } from "../../feed/plan";
import { restorableUntil } from "../../capture/coverage";
import { createRoute } from "@hono/zod-openapi";
import { CaptureInstalled, CaptureShipped, CaptureStatus, FeedsShipped } from "../../../schemas/responses";
import { ChangeView } from "../../../schemas/changes";
import { ERRORS, json, routes } from "../openapi";
import { getCaptureState, listBreaks } from "../../catalog/capture";
import { captureStatus, installCapture } from "../../capture/install";
import { requestChange } from "../../changes/two-person";
import { hasChangeLog } from "../../capture/log";
import { CAPTURE_SOURCE, CaptureNotInstalledError } from "../../capture/ship";
import { shipFeedNow, shipper } from "../../capture/shipper-object";
import { providerProfile } from "../../provider/profile";
import { changeLogStats } from "../../catalog/capture";

/** Change capture in OIDC_DB (docs/CAPTURE.md): install or upgrade, status, ship now, remove. */
export function captureRoutes() {
  const r = routes();

  /** Idempotent: installs the log and triggers, upgrades changed ones, picks up new tables. */
  r.openapi(
    createRoute({
      method: "post",
      path: "/capture/install",
      summary: "Install or upgrade change capture",
      responses: { 200: json(CaptureInstalled, "Installed"), ...ERRORS },
    }),
    async (c) => {
      c.set("auditTarget", CAPTURE_SOURCE);
      const { report } = await installCapture(c.env[CAPTURE_SOURCE], providerProfile(c.env).database.exclude_tables);
      const next = await shipper(c.env).ensureScheduled();
      return c.json(
        {
          ...report,
          shipping: next === null ? "on demand (CAPTURE_SHIP_INTERVAL_SECONDS=0)" : `every ${c.env.CAPTURE_SHIP_INTERVAL_SECONDS ?? 2} s`,
        },
        200,
      );
    },
  );

  /** Ships what is left, then drops the triggers and the log. Point-in-time coverage ends here. */
  /** Asks to remove: a second person approves (POST /admin/changes/{id}/approve), then it ships what is left and removes. */
  r.openapi(
    createRoute({
      method: "post",
      path: "/capture/remove",
      summary: "Ask to remove change capture (a second person approves)",
      responses: { 202: json(ChangeView, "A change request"), ...ERRORS },
    }),
    async (c) => {
      c.set("auditTarget", CAPTURE_SOURCE);
      if (!(await hasChangeLog(c.env[CAPTURE_SOURCE]))) throw new CaptureNotInstalledError();
      const change = await requestChange(c.env, {
        payload: { kind: "capture_remove" },
        target: CAPTURE_SOURCE,
        summary: `remove change capture from ${CAPTURE_SOURCE}: point-in-time coverage ends when it is carried out`,
        by: c.get("principal").subject,
      });
      return c.json(change, 202);
    },
  );

  r.openapi(
    createRoute({
      method: "get",
      path: "/capture/status",
      summary: "Change capture: tables, shipping, coverage, breaks",
      responses: { 200: json(CaptureStatus, "Status"), ...ERRORS },
    }),
    async (c) => {
      const live = await captureStatus(c.env[CAPTURE_SOURCE], providerProfile(c.env).database.exclude_tables);
      const state = await getCaptureState(c.env.CATALOG_DB, CAPTURE_SOURCE);
      const stats = await changeLogStats(c.env.CATALOG_DB, CAPTURE_SOURCE);
      return c.json(
        {
          source: CAPTURE_SOURCE,
          ...live,
          shipped_through: state?.last_seq ?? null,
          covered_until: state?.covered_until ? new Date(state.covered_until).toISOString() : null,
          // How far shipping trails; the RPO is what is restorable (breaks end it), the figure health reports too.
          shipping_lag_seconds: state?.covered_until ? Math.max(0, Math.round((Date.now() - state.covered_until) / 1000)) : null,
          rpo_seconds: await restorableUntil(c.env).then((t) => (t === null ? null : Math.max(0, Math.round((Date.now() - t) / 1000)))),
          last_ship_at: state?.last_ship_at ?? null,
          last_error: state?.last_error ?? null,
          segments: stats?.segments ?? 0,
          segment_bytes: stats?.stored_bytes ?? 0,
          breaks: (await listBreaks(c.env.CATALOG_DB, CAPTURE_SOURCE)).map((b) => ({
            ...b,
            known_until: new Date(b.known_until).toISOString(),
          })),
          feeds: Object.fromEntries(await Promise.all(FEEDS.map(async (feed) => [feed, await feedStatus(c.env, feed)] as const))),
        },
        200,
      );
    },
  );

  r.openapi(
    createRoute({
      method: "post",
      path: "/capture/ship",
      summary: "Ship the change log now",
      responses: { 200: json(CaptureShipped, "Shipped"), ...ERRORS },
    }),
    async (c) => {
      c.set("auditTarget", CAPTURE_SOURCE);
      if (!(await hasChangeLog(c.env[CAPTURE_SOURCE]))) throw new CaptureNotInstalledError();
      const r = await shipper(c.env).ship();
      return c.json({ ...r, covered_until: r.covered_until === null ? null : new Date(r.covered_until).toISOString() }, 200);
    },
  );
  r.openapi(
    createRoute({
      method: "post",
      path: "/capture/feeds/ship",
      summary: "Ship the session and asset change feeds now, and arm their alarms",
      responses: { 200: json(FeedsShipped, "Shipped"), ...ERRORS },
    }),
    async (c) => {
      c.set("auditTarget", "feeds");
      const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
      const s = await shipFeedNow(c.env, "sessions");
      const a = await shipFeedNow(c.env, "assets");
      return c.json(
        { sessions: { ...s, covered_until: iso(s.covered_until) }, assets: { ...a, covered_until: iso(a.covered_until) } },
        200,
      );
    },
  );
  return r;
}

/** A change feed's state (sessions, assets: docs/SESSIONS.md, docs/CAPTURE.md): where it stands and its RPO. */
async function feedStatus(env: Env, feed: Feed) {
  const source = FEED_SOURCE[feed];
  const state = await getCaptureState(env.CATALOG_DB, source);
  const stats = await changeLogStats(env.CATALOG_DB, source);
  const carried = await feedRestorableUntil(env, feed);
  const age = (t: number | null | undefined) => (t == null ? null : Math.max(0, Math.round((Date.now() - t) / 1000)));
  return {
    source,
    on: state !== null,
    shipped_through: state?.last_seq ?? null,
    covered_until: state?.covered_until ? new Date(state.covered_until).toISOString() : null,
    shipping_lag_seconds: age(state?.covered_until),
    rpo_seconds: age(carried?.reached),
    last_ship_at: state?.last_ship_at ?? null,
    last_error: state?.last_error ?? null,
    segments: stats?.segments ?? 0,
    segment_bytes: stats?.stored_bytes ?? 0,
  };
}
