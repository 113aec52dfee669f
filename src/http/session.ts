// The /json authenticator (deps.auth.session): the signed session cookie names a session
// row; unsafe methods must echo its CSRF token in X-CSRFToken (docs/auth.md).
import type { ApiCtx } from "./context.ts";
import type { UserRow } from "../db/repo/users.ts";
import { errors } from "../domain/errors.ts";
import { CSRF_HEADER, SESSION_COOKIE, csrfMatches, readCookie, resolveSession } from "../auth/sessions.ts";
import type { SessionRow } from "../db/repo/sessions.ts";

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

export async function authenticateSession(ctx: ApiCtx): Promise<UserRow | null> {
  if (!ctx.realm) return null;
  const token = readCookie(ctx.req.headers.get("cookie"), SESSION_COOKIE);
  const found = await resolveSession(ctx.deps, token, ctx.realm.id);
  if (!found) return null;
  if (!SAFE.has(ctx.req.method.toUpperCase())) {
    const supplied = ctx.req.headers.get(CSRF_HEADER);
    if (!supplied) throw errors.csrfFailed("CSRF token missing.");
    if (!csrfMatches(found.session, supplied)) throw errors.csrfFailed("CSRF token incorrect.");
  }
  ctx.c.set("session" as never, found.session as never);
  return found.user;
}

export function currentSession(ctx: ApiCtx): SessionRow | undefined {
  return ctx.c.get("session" as never) as SessionRow | undefined;
}
