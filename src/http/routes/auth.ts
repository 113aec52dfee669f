// Getting credentials: fetch_api_key (password), dev_fetch_api_key (development only),
// jwt/fetch_api_key, key rotation, and the web session's info / logout under /json.
import type { ApiRouter } from "../router.ts";
import type { ApiCtx, AuthedCtx } from "../context.ts";
import { errors } from "../../domain/errors.ts";
import { authenticatePassword } from "../../auth/login.ts";
import { userForJwt } from "../../auth/jwt-login.ts";
import { clearedSessionCookies, endSession } from "../../auth/sessions.ts";
import { findUser, listUsers, regenerateApiKey } from "../../actions/users.ts";
import { ApiError } from "../../domain/errors.ts";
import { currentSession } from "../session.ts";
import { auditBurst, enforce } from "../ratelimit.ts";
import { isAdminRole } from "../../domain/roles.ts";

/** Per-username brute-force bucket; the first refusal of a burst goes to the audit log. */
export async function limitUsername(ctx: ApiCtx, username: string) {
  const limits = ctx.deps.limits;
  if (!limits?.auth.enabled || !ctx.realm) return;
  const key = `user:${ctx.realm.id}:${username.trim().toLowerCase()}`;
  const r = limits.auth.take(key);
  if (!r.ok) await auditBurst(ctx, key, username, limits.auth.windowMs);
  enforce(ctx, r);
}

function keyResponse(u: { apiKey: string; email: string; id: number }) {
  return { api_key: u.apiKey, email: u.email, user_id: u.id };
}

export function registerAuthRoutes(r: ApiRouter) {
  r.post(
    "/fetch_api_key",
    async (ctx: ApiCtx) => {
      const username = ctx.params.str("username");
      const password = ctx.params.str("password");
      await limitUsername(ctx, username);
      const user = await authenticatePassword(ctx.deps, ctx.realm!, username, password);
      return keyResponse(user);
    },
    { auth: "none", apiOnly: true, writes: false }, // logging in stores nothing (a password rehash waits while read-only)
  );

  r.post(
    "/dev_fetch_api_key",
    async (ctx: ApiCtx) => {
      if (!ctx.deps.config.developmentMode) throw errors.badRequest("Dev environment not enabled.");
      const username = ctx.params.str("username");
      const user = await findUser(ctx.deps, ctx.realm!.id, username).catch(() => null);
      if (!user || user.isBot) throw errors.authenticationFailed();
      if (!user.isActive) throw errors.userDeactivated();
      return keyResponse(user);
    },
    { auth: "none", apiOnly: true, writes: false }, // logging in stores nothing (a password rehash waits while read-only)
  );

  r.get(
    "/dev_list_users",
    async (ctx: ApiCtx) => {
      if (!ctx.deps.config.developmentMode) throw errors.badRequest("Dev environment not enabled.");
      const anyAdmin = { id: -1, role: 200, realmId: ctx.realm!.id } as never;
      const users = (await listUsers(ctx.deps, anyAdmin)).filter((u) => u.is_active && !u.is_bot);
      return {
        direct_admins: users.filter((u) => u.is_admin).map((u) => ({ email: u.email, realm_url: "" })),
        direct_users: users.filter((u) => !u.is_admin).map((u) => ({ email: u.email, realm_url: "" })),
      };
    },
    { auth: "none", apiOnly: true },
  );

  r.post(
    "/jwt/fetch_api_key",
    async (ctx: ApiCtx) => {
      const token = ctx.params.str("token");
      const user = await userForJwt(ctx.deps, ctx.realm!, token);
      return keyResponse(user);
    },
    { auth: "none", apiOnly: true, writes: false }, // logging in stores nothing (a password rehash waits while read-only)
  );

  r.post("/users/me/api_key/regenerate", async (ctx: AuthedCtx) => {
    return { api_key: await regenerateApiKey(ctx.deps, ctx.user, ctx.user.id) };
  });

  // The web client's session: who is logged in and the CSRF token (docs/auth.md).
  r.get("/session", (ctx: AuthedCtx) => {
    const s = currentSession(ctx);
    return {
      user_id: ctx.user.id,
      email: ctx.user.email,
      full_name: ctx.user.fullName,
      is_admin: isAdminRole(ctx.user.role),
      csrf_token: s?.csrfToken ?? null,
    };
  });

  r.post("/logout", async (ctx: AuthedCtx) => {
    const s = currentSession(ctx);
    if (!s) throw new ApiError("BAD_REQUEST", "Not a web session");
    await endSession(ctx.deps, s.id);
    for (const v of clearedSessionCookies()) ctx.c.header("set-cookie", v, { append: true });
    return {};
  });
}
