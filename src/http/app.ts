// The Hono application: request id + access log, health endpoints, the Zulip API under
// /api/v1 and /json, and JSON for every error including 404/405/500.
import { Hono, type Context } from "hono";
import { ApiRouter, type RequestHooks } from "./router.ts";
import { registerApiRoutes } from "./routes/index.ts";
import type { HttpDeps } from "./context.ts";
import { errorResponse, errorBody } from "./errors.ts";
import { errors } from "../domain/errors.ts";

export interface HttpApp {
  hono: Hono;
  router: ApiRouter;
  /** Bun.serve-compatible fetch: collapses repeated slashes, then dispatches */
  fetch(req: Request, server?: unknown): Response | Promise<Response>;
}

/** Plug-ins for areas outside the JSON API (web client, uploads, websockets, metrics). */
export type RawRoutes = (app: Hono, deps: HttpDeps) => void;

export interface HttpOptions {
  hooks?: RequestHooks;
  raw?: RawRoutes[];
  /** called once per finished request (metrics) */
  onRequest?: (info: { method: string; route: string; status: number; ms: number }) => void;
}

export function createHttpApp(deps: HttpDeps, opts: HttpOptions = {}): HttpApp {
  const app = new Hono();
  const router = new ApiRouter();
  registerApiRoutes(router);

  app.use("*", async (c, next) => {
    const started = performance.now();
    const requestId = c.req.header("x-request-id")?.slice(0, 64) || crypto.randomUUID();
    c.set("requestId" as never, requestId as never);
    await next();
    c.header("x-request-id", requestId);
    const ms = performance.now() - started;
    const route = c.req.routePath ?? "";
    opts.onRequest?.({ method: c.req.method, route, status: c.res.status, ms });
    // Long-polls and health probes would drown the log at info level.
    const quiet = route === "/health" || route === "/ready" || route.endsWith("/events");
    const fields = {
      request_id: requestId,
      method: c.req.method,
      route,
      path: new URL(c.req.url).pathname,
      status: c.res.status,
      duration_ms: Math.round(ms * 10) / 10,
      user_id: (c.get("userId" as never) as number | undefined) ?? null,
    };
    if (quiet && c.res.status < 400) deps.log.debug("request", fields);
    else deps.log.info("request", fields);
  });

  // Liveness: the process answers. Readiness: the database answers and is migrated.
  app.get("/health", (c) => c.json({ result: "success", msg: "", status: "ok" }));
  app.get("/ready", async (c) => {
    const r = await deps.ready().catch((e) => ({ ok: false, detail: { error: String((e as Error).message) } }));
    return c.json({ result: r.ok ? "success" : "error", msg: r.ok ? "" : "Not ready", ...r.detail, ...(r.ok ? {} : { code: "SERVER_NOT_READY" }) }, r.ok ? 200 : 503);
  });

  for (const mount of opts.raw ?? []) mount(app, deps);
  router.mount(app, deps, opts.hooks);

  app.notFound((c: Context) => {
    const path = new URL(c.req.url).pathname;
    const m = /^\/(?:api\/v1|json)(\/.*)$/.exec(path);
    if (m) {
      const allowed = router.allowedMethods(m[1]!);
      if (allowed.length) {
        c.header("allow", allowed.join(", "));
        return c.json(errorBody(errors.methodNotAllowed(allowed)), 405);
      }
    }
    return c.json(errorBody(errors.notFound()), 404);
  });
  app.onError((err, c) => errorResponse(c, err, deps.log, (c.get("requestId" as never) as string) ?? "-"));

  const fetch = (req: Request, server?: unknown) => {
    const url = req.url;
    const schemeEnd = url.indexOf("://") + 3;
    const pathStart = url.indexOf("/", schemeEnd);
    if (pathStart > 0 && url.indexOf("//", pathStart) >= 0) {
      const u = new URL(url);
      u.pathname = u.pathname.replace(/\/{2,}/g, "/");
      req = new Request(u, req);
    }
    return app.fetch(req, server as never);
  };
  return { hono: app, router, fetch };
}
