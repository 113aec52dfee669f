// Operational HTTP surface: /metrics (Prometheus), /__heartbeat__, /__lbheartbeat__,
// /__version__ (Kinto's names), the Backoff header and read-only mode.
import { safeEqual } from "../lib/random.ts";
import type { Hono } from "hono";
import type { HttpDeps } from "../http/context.ts";
import type { RawRoutes } from "../http/app.ts";
import type { RequestHooks, RouteDef } from "../http/router.ts";
import { clientIp } from "../http/ip.ts";
import { ApiError } from "../domain/errors.ts";
import { HEARTH_VERSION, ZULIP_FEATURE_LEVEL } from "../lib/version.ts";
import type { Metrics } from "./metrics.ts";
import type { HealthChecks } from "./health.ts";

export const readOnlyError = () =>
  new ApiError("READ_ONLY_MODE", "This server is in read-only mode for maintenance; reading works, changes are refused. Try again later.");

/** Whether a route changes state (read-only mode refuses it): its own flag, else every method but GET. */
export function routeWrites(route: Pick<RouteDef, "method" | "opts">): boolean {
  return route.opts.writes ?? route.method !== "GET";
}

export function readOnlyHook(enabled: () => boolean): NonNullable<RequestHooks["beforeAuth"]> {
  return (_ctx, route) => {
    if (enabled() && routeWrites(route)) throw readOnlyError();
  };
}

/** Runs several areas' request hooks in order (read-only mode, rate limits, …). */
export function composeHooks(...all: RequestHooks[]): RequestHooks {
  const before = all.map((h) => h.beforeAuth).filter((f): f is NonNullable<typeof f> => !!f);
  const after = all.map((h) => h.afterAuth).filter((f): f is NonNullable<typeof f> => !!f);
  return {
    beforeAuth: before.length ? async (ctx, route) => { for (const f of before) await f(ctx, route); } : undefined,
    afterAuth: after.length ? async (ctx, route) => { for (const f of after) await f(ctx, route); } : undefined,
  };
}

export function opsRoutes(metrics: Metrics, health: HealthChecks): RawRoutes {
  return (app: Hono, deps: HttpDeps) => {
    const { config } = deps;
    app.use("*", async (c, next) => {
      const path = c.req.path;
      // Raw (non-API) writes are refused here; API routes are refused per route by the
      // beforeAuth hook, which knows each route's `writes` flag.
      if (config.readOnly && !["GET", "HEAD", "OPTIONS"].includes(c.req.method) && !/^\/(api\/v1|json)\//.test(path)) {
        const e = readOnlyError();
        return c.json({ result: "error", msg: e.message, code: e.code }, 503);
      }
      await next();
      if (config.backoffSeconds > 0) c.header("Backoff", String(config.backoffSeconds));
    });

    app.get("/metrics", async (c) => {
      const auth = c.req.header("authorization") ?? "";
      const bearer = /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim();
      const allowed = new Set(config.metricsAllow.split(",").map((s) => s.trim()).filter(Boolean));
      const ip = clientIp(c, config.trustedProxies);
      const ok = (config.metricsToken && bearer && safeEqual(bearer, config.metricsToken)) || (ip !== "" && allowed.has(ip));
      if (!ok) {
        return c.json({ result: "error", msg: "Metrics require the metrics token or an allowed address.", code: "UNAUTHORIZED" }, 403);
      }
      const text = await metrics.render((e) => deps.log.warn("metrics collector failed", { err: e }));
      return c.body(text, 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8", "cache-control": "no-store" });
    });

    app.get("/__heartbeat__", async (c) => {
      const r = await health.run();
      if (!r.ok) deps.log.warn("heartbeat failed", { failed: r.errors });
      return c.json(r.results, r.ok ? 200 : 503, { "cache-control": "no-store" });
    });
    app.get("/__lbheartbeat__", (c) => c.json({}, 200, { "cache-control": "no-store" }));
    app.get("/__version__", (c) => c.json({ name: "hearth", version: HEARTH_VERSION, zulip_feature_level: ZULIP_FEATURE_LEVEL }));
  };
}
