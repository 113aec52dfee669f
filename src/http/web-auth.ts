// The web client's sign-in endpoints outside /json (docs/auth.md): POST /login (form),
// POST /logout, GET /login/sso (trusted-header SSO). They set and clear the session
// cookie (HttpOnly) and the CSRF cookie (readable by the page).
import type { Context, Hono } from "hono";
import type { HttpDeps } from "./context.ts";
import { ApiError, errors } from "../domain/errors.ts";
import { errorBody } from "./errors.ts";
import { realmOfRequest } from "./realm.ts";
import { originOk } from "./origin.ts";
import { clientIp, isHttps } from "./ip.ts";
import { authenticatePassword } from "../auth/login.ts";
import { remoteUserFrom, userForRemoteUser } from "../auth/remote-user.ts";
import {
  CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, clearedSessionCookies, cookieHeader, createSession, csrfMatches, endSession, readCookie, resolveSession,
} from "../auth/sessions.ts";
import type { UserRow } from "../db/repo/users.ts";
import type { RealmRow } from "../db/repo/realms.ts";
import { auditBurst, setLimitHeaders } from "./ratelimit.ts";

const wantsJson = (c: Context) => (c.req.header("accept") ?? "").includes("application/json");

/** A same-site relative path, or "/". */
function safeNext(next: unknown): string {
  return typeof next === "string" && /^\/(?![/\\])/.test(next) ? next : "/";
}

async function realmOf(c: Context, deps: HttpDeps): Promise<RealmRow> {
  const realm = await realmOfRequest(deps, c);
  if (!realm) throw errors.noSuchRealm();
  if (realm.deactivated) throw errors.realmDeactivated();
  return realm;
}


async function startSession(c: Context, deps: HttpDeps, user: UserRow, next: string) {
  const ip = clientIp(c, deps.config.trustedProxies);
  const { session, token } = await createSession(deps, user, ip, c.req.header("user-agent") || undefined);
  const secure = isHttps(c, deps.config.trustedProxies, deps.config.externalScheme);
  const maxAge = deps.config.sessionDays * 86_400;
  c.header("set-cookie", cookieHeader(SESSION_COOKIE, token, { httpOnly: true, secure, maxAge }), { append: true });
  c.header("set-cookie", cookieHeader(CSRF_COOKIE, session.csrfToken, { httpOnly: false, secure, maxAge }), { append: true });
  c.header("cache-control", "no-store");
  if (wantsJson(c)) return c.json({ result: "success", msg: "", user_id: user.id, email: user.email, csrf_token: session.csrfToken });
  return c.redirect(next, 303);
}

function failure(c: Context, e: unknown, next: string) {
  if (!(e instanceof ApiError)) throw e;
  if (e.code === "RATE_LIMIT_HIT") c.header("retry-after", String(Math.ceil(e.data["retry-after"] as number)));
  if (wantsJson(c)) return c.json(errorBody(e), e.status as 401);
  const reason = e.code === "USER_DEACTIVATED" ? "deactivated" : e.code === "RATE_LIMIT_HIT" ? "rate_limited" : e.code === "CSRF_FAILED" ? "csrf" : "invalid";
  return c.redirect(`/login?error=${reason}&next=${encodeURIComponent(next)}`, 303);
}

export function mountWebAuth(app: Hono, deps: HttpDeps) {
  app.post("/login", async (c) => {
    let next = "/";
    try {
      const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
      next = safeNext(form.next);
      if (!originOk(c)) throw errors.csrfFailed("Origin does not match.");
      const realm = await realmOf(c, deps);
      const ip = clientIp(c, deps.config.trustedProxies);
      const username = typeof form.username === "string" ? form.username : "";
      const password = typeof form.password === "string" ? form.password : "";
      const remote = remoteUserFrom(deps.config, ip, deps.config.remoteUserHeader ? c.req.header(deps.config.remoteUserHeader) : null);
      if (remote && !password) return await startSession(c, deps, await userForRemoteUser(deps, realm, remote), next);
      const limits = deps.limits;
      if (limits?.auth.enabled) {
        for (const key of [`ip:${ip}`, `user:${realm.id}:${username.trim().toLowerCase()}`]) {
          const r = limits.auth.take(key);
          setLimitHeaders({ c }, r);
          if (!r.ok) {
            // One audit entry per refused burst, as on the API sign-in path.
            await auditBurst({ deps, realm, ip }, `${realm.id}:web:${key}`, username, limits.auth.windowMs);
            throw errors.rateLimited(Math.round(r.retryAfter * 1000) / 1000);
          }
        }
      }
      const user = await authenticatePassword(deps, realm, username, password);
      return await startSession(c, deps, user, next);
    } catch (e) {
      return failure(c, e, next);
    }
  });

  app.get("/login/sso", async (c) => {
    const next = safeNext(c.req.query("next"));
    try {
      const realm = await realmOf(c, deps);
      const ip = clientIp(c, deps.config.trustedProxies);
      const remote = remoteUserFrom(deps.config, ip, deps.config.remoteUserHeader ? c.req.header(deps.config.remoteUserHeader) : null);
      if (!remote) throw errors.authenticationFailed();
      return await startSession(c, deps, await userForRemoteUser(deps, realm, remote), next);
    } catch (e) {
      return failure(c, e, next);
    }
  });


  app.post("/logout", async (c) => {
    try {
      const realm = await realmOf(c, deps);
      const found = await resolveSession(deps, readCookie(c.req.header("cookie"), SESSION_COOKIE), realm.id);
      if (found) {
        let supplied = c.req.header(CSRF_HEADER) ?? null;
        if (!supplied) {
          const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
          supplied = typeof form.csrfmiddlewaretoken === "string" ? form.csrfmiddlewaretoken : null;
        }
        if (!csrfMatches(found.session, supplied)) throw errors.csrfFailed(supplied ? "CSRF token incorrect." : "CSRF token missing.");
        await endSession(deps, found.session.id);
      }
      for (const v of clearedSessionCookies()) c.header("set-cookie", v, { append: true });
      if (wantsJson(c)) return c.json({ result: "success", msg: "" });
      return c.redirect("/login", 303);
    } catch (e) {
      if (e instanceof ApiError) return c.json(errorBody(e), e.status as 403);
      throw e;
    }
  });
}
