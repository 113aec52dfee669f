// Rate limiting as RequestHooks: anonymous requests count per IP before authentication,
// authenticated ones per user after it; sign-in endpoints have their own stricter bucket
// per IP (here) and per username (in their handlers). Zulip's headers on every response.
import type { RequestHooks, RouteDef } from "./router.ts";
import type { ApiCtx } from "./context.ts";
import type { LimitResult, RateLimits } from "../auth/ratelimit.ts";
import { errors } from "../domain/errors.ts";
import { recordLoginFailureBurst } from "../actions/audit.ts";

/** Per app (its limits object): keys whose current refused burst is already audited. */
const burstsLogged = new WeakMap<object, Set<string>>();

/** Records a refused sign-in burst in the audit log, once per bucket key and window. */
export async function auditBurst(
  ctx: { deps: ApiCtx["deps"]; realm: ApiCtx["realm"]; ip: string },
  key: string,
  username: string | undefined,
  windowMs: number,
) {
  const limits = ctx.deps.limits;
  if (!limits) return;
  let burstLogged = burstsLogged.get(limits);
  if (!burstLogged) burstsLogged.set(limits, (burstLogged = new Set()));
  if (!ctx.realm || burstLogged.has(key)) return;
  burstLogged.add(key);
  setTimeout(() => burstLogged.delete(key), windowMs).unref?.();
  await recordLoginFailureBurst(ctx.deps, ctx.realm.id, { username, ip: ctx.ip }).catch(() => {});
}

export const AUTH_ROUTES = new Set(["/fetch_api_key", "/dev_fetch_api_key", "/jwt/fetch_api_key"]);

export function setLimitHeaders(ctx: { c: ApiCtx["c"] }, r: LimitResult) {
  ctx.c.header("X-RateLimit-Limit", String(r.limit));
  ctx.c.header("X-RateLimit-Remaining", String(r.remaining));
  ctx.c.header("X-RateLimit-Reset", String(r.reset));
}

/** Takes one token or throws RATE_LIMIT_HIT (429, retry-after). */
export function enforce(ctx: { c: ApiCtx["c"] }, r: LimitResult) {
  setLimitHeaders(ctx, r);
  if (!r.ok) throw errors.rateLimited(Math.round(r.retryAfter * 1000) / 1000);
}

export function rateLimitHooks(limits: RateLimits): RequestHooks {
  return {
    async beforeAuth(ctx: ApiCtx, route: RouteDef) {
      if (!AUTH_ROUTES.has(route.path) || !limits.auth.enabled) return;
      const key = `ip:${ctx.ip}`;
      const r = limits.auth.take(key);
      if (!r.ok) await auditBurst(ctx, `${ctx.realm?.id}:${key}`, ctx.params.raw("username"), limits.auth.windowMs);
      enforce(ctx, r);
    },
    afterAuth(ctx: ApiCtx, route: RouteDef) {
      if (AUTH_ROUTES.has(route.path)) return;
      if (ctx.user) {
        if (limits.user.enabled) enforce(ctx, limits.user.take(`u:${ctx.user.id}`));
      } else if (limits.ip.enabled) {
        enforce(ctx, limits.ip.take(`ip:${ctx.ip}`));
      }
    },
  };
}
