// Rate limiting as RequestHooks: anonymous requests count per IP before authentication,
// authenticated ones per user after it; sign-in endpoints have their own stricter bucket
// per IP (here) and per username (in their handlers). Zulip's headers on every response.
import type { RequestHooks, RouteDef } from "./router.ts";
import type { ApiCtx } from "./context.ts";
import type { LimitResult, RateLimits } from "../auth/ratelimit.ts";
import { errors } from "../domain/errors.ts";

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
    beforeAuth(ctx: ApiCtx, route: RouteDef) {
      if (AUTH_ROUTES.has(route.path) && limits.auth.enabled) enforce(ctx, limits.auth.take(`ip:${ctx.ip}`));
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
