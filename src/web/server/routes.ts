// The web client's server side, mounted as raw routes on the Hono app: embedded assets,
// the app shell at "/", the login page, and the first-run setup page guarded by a
// one-time token printed in the server log. The session itself (POST /login, /logout,
// the cookie and CSRF token) belongs to the auth routes; these pages only use it.
import type { Context, Hono } from "hono";
import type { HttpDeps, ApiCtx } from "../../http/context.ts";
import { Params } from "../../http/params.ts";
import { realmOfRequest } from "../../http/realm.ts";
import { clientIp } from "../../http/ip.ts";
import { originOk } from "../../http/origin.ts";
import { ApiError } from "../../domain/errors.ts";
import { completeSetup, needsSetup } from "../../actions/setup.ts";
import { randomToken, safeEqual } from "../../lib/random.ts";
import { asset, gzippedAsset } from "./assets.ts";
import { AppShell, JoinPage, LoginPage, MessagePage, ResetConfirmPage, ResetPage, SetupPage } from "./pages.tsx";
import { checkResetToken, requestPasswordReset, resetPassword } from "../../actions/password-reset.ts";

/**
 * The Content-Security-Policy of every page: scripts only from our origin (no inline
 * script, no eval). Inline styles are allowed because the server's rendered message HTML
 * (KaTeX) carries style attributes; that HTML is sanitized on the server.
 */
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob: https:",
  "media-src 'self' blob: https:",
  "connect-src 'self' ws: wss:",
  "font-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

interface SetupState {
  token: string | null;
}
const setupStates = new WeakMap<HttpDeps, SetupState>();

/** The current first-run setup token (null once an organization exists); tests read it here. */
export function setupTokenFor(deps: HttpDeps): string | null {
  return setupStates.get(deps)?.token ?? null;
}

function pageHeaders(c: Context) {
  c.header("content-security-policy", CSP);
  c.header("x-content-type-options", "nosniff");
  c.header("referrer-policy", "same-origin");
  c.header("x-frame-options", "DENY");
  c.header("cache-control", "no-store");
}

async function html(c: Context, node: unknown, status = 200) {
  pageHeaders(c);
  return c.html("<!doctype html>" + String(await node), status as 200);
}

function safeNext(next: string | undefined | null): string {
  // Only same-origin paths: "//evil.example" and "/\evil" would leave the site.
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  return next;
}

async function sessionUser(c: Context, deps: HttpDeps, realm: NonNullable<ApiCtx["realm"]>) {
  const url = new URL(c.req.url);
  const ctx: ApiCtx = {
    c, req: c.req.raw, url, deps,
    params: await Params.fromRequest(c.req.raw, url),
    requestId: (c.get("requestId" as never) as string) ?? "-",
    surface: "json",
    realm, user: null,
    ip: clientIp(c, deps.config.trustedProxies),
  };
  try {
    return await deps.auth.session(ctx);
  } catch {
    return null;
  }
}

// The ?error= values the auth routes redirect a plain-HTML login form to (docs/auth.md).
const LOGIN_ERRORS: Record<string, string> = {
  invalid: "Incorrect email or password.",
  deactivated: "Your account has been deactivated.",
  rate_limited: "Too many attempts. Wait a minute and try again.",
};

export function webRoutes(app: Hono, deps: HttpDeps) {
  const state: SetupState = { token: null };
  setupStates.set(deps, state);
  // Start-up: with no organization, mint the one-time token and print it where only the
  // operator sees it (the server log), so nobody on the network can claim a fresh install.
  void needsSetup(deps)
    .then((needed) => {
      if (!needed) return;
      state.token = randomToken(18);
      deps.log.warn(`first-run setup: open /setup in a browser and enter the setup token ${state.token}`);
    })
    .catch((e) => deps.log.error("setup check failed", { err: e }));

  const realmOf = (c: Context) => realmOfRequest(deps, c);

  app.get("/static/:name", (c) => {
    const name = c.req.param("name");
    const a = asset(name);
    if (!a) return c.json({ result: "error", msg: "Not Found", code: "BAD_REQUEST" }, 404);
    const etag = `"${a.hash}"`;
    c.header("content-type", a.type);
    c.header("etag", etag);
    c.header("x-content-type-options", "nosniff");
    c.header("cache-control", c.req.query("v") === a.hash ? "public, max-age=31536000, immutable" : "no-cache");
    c.header("vary", "accept-encoding");
    if (c.req.header("if-none-match") === etag) return c.body(null, 304);
    if (/\bgzip\b/.test(c.req.header("accept-encoding") ?? "")) {
      c.header("content-encoding", "gzip");
      return c.body(gzippedAsset(name, a) as Uint8Array<ArrayBuffer>);
    }
    return c.body(a.body);
  });

  app.get("/", async (c) => {
    const realm = await realmOf(c);
    if (!realm) {
      if (await needsSetup(deps)) return c.redirect("/setup", 302);
      return html(c, MessagePage({ title: "No such organization", heading: "No such organization", children: "There is no organization at this address." }), 404);
    }
    const user = await sessionUser(c, deps, realm);
    if (!user) return c.redirect("/login", 302);
    return html(c, AppShell({ realmName: realm.name }));
  });

  app.get("/login", async (c) => {
    const realm = await realmOf(c);
    if (!realm) return c.redirect((await needsSetup(deps)) ? "/setup" : "/", 302);
    const q = c.req.query();
    return html(c, LoginPage({
      realmName: realm.name,
      next: safeNext(q.next),
      email: q.email,
      notice: q.created ? "Your organization is ready. Log in to start." : q.logged_out ? "You are logged out." : q.reset ? "Your password was changed. Log in with the new one." : undefined,
      error: q.error ? LOGIN_ERRORS[q.error] ?? LOGIN_ERRORS.invalid : undefined,
    }));
  });

  // Invitation links (Zulip's /join/KEY/) and open sign-up; the accounts are created by the
  // people area's POST /json/join/{token} and POST /json/signup (auth.js submits to them).
  const joinPage = async (c: Context, token: string | null) => {
    const realm = await realmOf(c);
    if (!realm) return c.redirect("/", 302);
    return html(c, JoinPage({ realmName: realm.name, token }));
  };
  app.get("/join/:token{[A-Za-z0-9_-]+}", (c) => joinPage(c, c.req.param("token")));
  app.get("/join/:token{[A-Za-z0-9_-]+}/", (c) => joinPage(c, c.req.param("token")));
  app.get("/register", (c) => joinPage(c, null));
  app.get("/register/", (c) => joinPage(c, null));
  // Password reset: request a link (mailed through the job queue), then set a new password
  // through it.
  const resetPage = async (c: Context) => {
    const realm = await realmOf(c);
    if (!realm) return c.redirect("/", 302);
    return html(c, ResetPage({ realmName: realm.name }));
  };
  app.get("/accounts/password/reset", resetPage);
  app.get("/accounts/password/reset/", resetPage);
  // Before login there is no CSRF token: a reset form posted from another site is refused
  // by its Origin, and requests are rate-limited like logins (per address and per IP).
  const resetGuard = (c: Context, email?: string): Response | null => {
    if (!originOk(c)) return c.text("Cross-site request refused.", 403);
    const limits = deps.limits;
    if (limits?.auth.enabled) {
      const keys = [`reset-ip:${clientIp(c, deps.config.trustedProxies)}`];
      if (email) keys.push(`reset:${email.trim().toLowerCase()}`);
      for (const key of keys) {
        const r = limits.auth.take(key);
        if (!r.ok) {
          c.header("retry-after", String(Math.ceil(r.retryAfter)));
          return c.text("Too many attempts; try again later.", 429);
        }
      }
    }
    return null;
  };
  app.post("/accounts/password/reset/", async (c) => {
    const realm = await realmOf(c);
    if (!realm) return c.redirect("/", 302);
    const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const email = typeof body.email === "string" ? body.email.slice(0, 254) : "";
    const refused = resetGuard(c, email);
    if (refused) return refused;
    c.header("cache-control", "no-store");
    const { canSend } = await requestPasswordReset(deps, realm, email);
    // The same answer whether or not the account exists: no address enumeration.
    return html(c, ResetPage({ realmName: realm.name, sent: true, noEmail: !canSend }));
  });
  const TOKEN = "/accounts/password/reset/:token{[0-9]+\\.[0-9]+\\.[A-Za-z0-9_-]+}";
  const confirmPage = async (c: Context) => {
    const realm = await realmOf(c);
    if (!realm) return c.redirect("/", 302);
    const token = c.req.param("token")!;
    try {
      const user = await checkResetToken(deps, realm, token);
      return html(c, ResetConfirmPage({ realmName: realm.name, token, email: user.deliveryEmail, valid: true }));
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      return html(c, ResetConfirmPage({ realmName: realm.name, token, error: e.message, valid: false }), 400);
    }
  };
  app.get(TOKEN, confirmPage);
  app.get(TOKEN + "/", confirmPage);
  app.post(TOKEN + "/", async (c) => {
    const realm = await realmOf(c);
    if (!realm) return c.redirect("/", 302);
    const refused = resetGuard(c);
    if (refused) return refused;
    const token = c.req.param("token")!;
    const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    try {
      await resetPassword(deps, realm, token, typeof body.password === "string" ? body.password : "");
      return c.redirect("/login?reset=1", 303);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      const valid = await checkResetToken(deps, realm, token).then(() => true, () => false);
      return html(c, ResetConfirmPage({ realmName: realm.name, token, error: e.message, valid }), 400);
    }
  });

  app.get("/setup", async (c) => {
    if (!(await needsSetup(deps))) return c.redirect("/login", 302);
    return html(c, SetupPage({}));
  });

  app.post("/setup", async (c) => {
    const wantsJson = (c.req.header("accept") ?? "").includes("application/json");
    const fail = async (status: number, msg: string, values: Record<string, string>) =>
      wantsJson
        ? c.json({ result: "error", msg, code: "BAD_REQUEST" }, status as 400)
        : html(c, SetupPage({ error: msg, values: { ...values, password: "" } }), status);
    let form: Record<string, string> = {};
    try {
      const body = await c.req.parseBody();
      for (const [k, v] of Object.entries(body)) if (typeof v === "string") form[k] = v;
    } catch {
      return fail(400, "Malformed form.", {});
    }
    if (!(await needsSetup(deps))) return fail(403, "This server is already set up.", {});
    const token = state.token;
    if (!token || !safeEqual(form.setup_token?.trim() ?? "", token)) {
      deps.log.warn("setup attempt with a wrong token", { ip: clientIp(c, deps.config.trustedProxies) });
      return fail(403, "Wrong setup token. Copy it from the server log.", form);
    }
    try {
      const { owner } = await completeSetup(deps, {
        realmName: form.realm_name ?? "",
        fullName: form.full_name ?? "",
        email: form.email ?? "",
        password: form.password ?? "",
      });
      state.token = null;
      deps.log.info("first-run setup complete", { user_id: owner.id });
      const login = `/login?created=1&email=${encodeURIComponent(owner.deliveryEmail)}`;
      if (wantsJson) return c.json({ result: "success", msg: "", email: owner.deliveryEmail, next: login });
      return c.redirect(login, 303);
    } catch (e) {
      if (e instanceof ApiError) return fail(400, e.message, form);
      throw e;
    }
  });
}
