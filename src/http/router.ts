// API routes are declared once and served under both /api/v1 (HTTP Basic: bots, mobile
// and terminal clients) and /json (the web client: session cookie + CSRF), as Zulip does.
// The registry also answers 405 with the allowed methods when a path exists under
// another method.
import type { Context, Hono } from "hono";
import { ApiError, errors } from "../domain/errors.ts";
import { Params } from "./params.ts";
import { errorResponse } from "./errors.ts";
import { realmOfRequest } from "./realm.ts";
import type { ApiCtx, ApiHandler, AuthMode, HttpDeps } from "./context.ts";
import { clientIp } from "./ip.ts";

type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

export interface RouteOptions {
  auth?: AuthMode;
  /** served without a realm (e.g. server_settings on a fresh install) */
  realmOptional?: boolean;
  /** not served under /json (e.g. fetch_api_key is an API-only call) */
  apiOnly?: boolean;
  /** this route writes (read-only mode and rate limiting use it); default: method !== GET */
  writes?: boolean;
  /** the handler reads the body itself as a stream (uploads); params come from the query string only */
  streamBody?: boolean;
}

export interface RouteDef {
  method: Method;
  path: string;
  regex: RegExp;
  handler: ApiHandler<ApiCtx>;
  opts: RouteOptions;
}

function toRegex(path: string) {
  const body = path.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/:([A-Za-z_]+)(\{[^}]*\})?/g, "[^/]+");
  return new RegExp(`^${body}/?$`);
}

export class ApiRouter {
  readonly routes: RouteDef[] = [];

  private add(method: Method, path: string, handler: ApiHandler<any>, opts: RouteOptions = {}) {
    this.routes.push({ method, path, regex: toRegex(path), handler, opts });
  }
  get(path: string, h: ApiHandler<any>, o?: RouteOptions) { this.add("GET", path, h, o); }
  post(path: string, h: ApiHandler<any>, o?: RouteOptions) { this.add("POST", path, h, o); }
  patch(path: string, h: ApiHandler<any>, o?: RouteOptions) { this.add("PATCH", path, h, o); }
  put(path: string, h: ApiHandler<any>, o?: RouteOptions) { this.add("PUT", path, h, o); }
  delete(path: string, h: ApiHandler<any>, o?: RouteOptions) { this.add("DELETE", path, h, o); }

  /** Methods under which `path` (below /api/v1 or /json) exists. */
  allowedMethods(path: string): string[] {
    return [...new Set(this.routes.filter((r) => r.regex.test(path)).map((r) => r.method))];
  }

  mount(app: Hono, deps: HttpDeps, hooks: RequestHooks = {}) {
    for (const r of this.routes) {
      const m = r.method.toLowerCase() as "get";
      app[m](`/api/v1${r.path}`, (c) => runApi(c, r, deps, "api", hooks));
      if (!r.opts.apiOnly) app[m](`/json${r.path}`, (c) => runApi(c, r, deps, "json", hooks));
    }
  }
}

/** Cross-cutting checks that later layers plug in (rate limits, read-only mode, metrics). */
export interface RequestHooks {
  /** before authentication (per-IP limits, read-only mode) */
  beforeAuth?: (ctx: ApiCtx, route: RouteDef) => Promise<void> | void;
  /** after authentication (per-user limits); may set response headers via ctx.c */
  afterAuth?: (ctx: ApiCtx, route: RouteDef) => Promise<void> | void;
}

async function runApi(c: Context, route: RouteDef, deps: HttpDeps, surface: "api" | "json", hooks: RequestHooks) {
  const requestId = (c.get("requestId" as never) as string) ?? crypto.randomUUID();
  try {
    const url = new URL(c.req.url);
    const ctx: ApiCtx = {
      c, req: c.req.raw, url, deps, requestId, surface,
      params: undefined as unknown as Params,
      realm: null, user: null,
      ip: clientIp(c, deps.config.trustedProxies),
    };
    const realm = await realmOfRequest(deps, c);
    if (!realm && !route.opts.realmOptional) throw errors.noSuchRealm();
    if (realm?.deactivated && !route.opts.realmOptional) throw errors.realmDeactivated();
    ctx.realm = realm ?? null;
    ctx.params = route.opts.streamBody ? Params.fromQuery(url) : await Params.fromRequest(c.req.raw, url);
    await hooks.beforeAuth?.(ctx, route);
    const mode = route.opts.auth ?? "user";
    if (mode !== "none") {
      const authz = c.req.header("authorization");
      if (surface === "api" && authz) ctx.user = await deps.auth.basic(ctx, authz);
      else if (surface === "json") ctx.user = await deps.auth.session(ctx);
      if (!ctx.user && mode === "user") throw errors.unauthenticated();
      if (ctx.user) c.set("userId" as never, ctx.user.id as never);
    }
    await hooks.afterAuth?.(ctx, route);
    const out = await route.handler(ctx);
    if (out instanceof Response) return out;
    const ignored = ctx.params.ignored();
    const body: Record<string, unknown> = { result: "success", msg: "", ...out };
    if (ignored.length) body.ignored_parameters_unsupported = ignored;
    return c.json(body, 200);
  } catch (e) {
    if (!(e instanceof ApiError)) c.set("error" as never, e as never);
    return errorResponse(c, e, deps.log, requestId);
  }
}
