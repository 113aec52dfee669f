// Web sessions: a server-side row per login, named by a signed cookie (jose HS256, key
// derived from the secret key). Every request re-reads the row and the user, so logout,
// deactivation and a password change end the session at once. The CSRF token lives in
// the row; unsafe /json requests must echo it in X-CSRFToken (docs/auth.md).
import { SignJWT, jwtVerify } from "jose";
import { createHmac } from "node:crypto";
import type { ActionDeps } from "../actions/deps.ts";
import { inTx } from "../actions/tx.ts";
import { deleteSession, insertSession, sessionById, type SessionRow } from "../db/repo/sessions.ts";
import { userById, type UserRow } from "../db/repo/users.ts";
import { errors } from "../domain/errors.ts";
import { realmById } from "../db/repo/realms.ts";
import { newLoginEmail } from "../email/templates.ts";
import { enqueueEmail } from "../jobs/handlers/email.ts";
import { randomToken, safeEqual } from "../lib/random.ts";

export const SESSION_COOKIE = "hearth_session";
export const CSRF_COOKIE = "csrftoken";
export const CSRF_HEADER = "x-csrftoken";

const keys = new Map<string, Uint8Array>();
function sessionKey(secret: string): Uint8Array {
  let k = keys.get(secret);
  if (!k) {
    k = new Uint8Array(createHmac("sha256", secret).update("hearth-session-v1").digest());
    keys.set(secret, k);
  }
  return k;
}

export interface NewSession {
  session: SessionRow;
  /** the cookie value */
  token: string;
}

export async function createSession(deps: ActionDeps, user: UserRow, ip: string, device = "a web browser"): Promise<NewSession> {
  if (user.isBot) throw errors.authenticationFailed();
  const now = deps.now();
  const expiresAt = new Date(now.getTime() + deps.config.sessionDays * 86_400_000);
  const realm = await realmById(deps.store, user.realmId);
  const session = await inTx(deps, async (tx) => {
    const row = await insertSession(tx, { id: randomToken(24), userId: user.id, realmId: user.realmId, csrfToken: randomToken(24), createdAt: now, expiresAt, ip });
    // Jobs integration: the new-login notice (Zulip's enable_login_emails) commits with the session.
    const mail = newLoginEmail({ realmName: realm?.name ?? "Hearth", userName: user.fullName, when: now, device: device.slice(0, 200), ip });
    await enqueueEmail(tx, { to: user.deliveryEmail, subject: mail.subject, text: mail.text, html: mail.html });
    return row;
  });
  const token = await new SignJWT({ sid: session.id })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(String(user.id))
    .setIssuedAt(Math.floor(now.getTime() / 1000))
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(sessionKey(deps.config.secretKey));
  return { session, token };
}

/** The session a cookie names, if the signature, the row, its expiry and the user all check out. */
export async function resolveSession(deps: ActionDeps, token: string | undefined, realmId: number): Promise<{ session: SessionRow; user: UserRow } | null> {
  if (!token) return null;
  let sid: unknown;
  try {
    const { payload } = await jwtVerify(token, sessionKey(deps.config.secretKey), { algorithms: ["HS256"], currentDate: deps.now() });
    sid = payload.sid;
  } catch {
    return null;
  }
  if (typeof sid !== "string") return null;
  const session = await sessionById(deps.store, sid);
  if (!session || session.realmId !== realmId || session.expiresAt <= deps.now()) return null;
  const user = await userById(deps.store, session.userId);
  if (!user || !user.isActive || user.isBot || user.realmId !== realmId) return null;
  return { session, user };
}

export function csrfMatches(session: SessionRow, supplied: string | null | undefined): boolean {
  return !!supplied && safeEqual(session.csrfToken, supplied);
}

export async function endSession(deps: ActionDeps, sessionId: string): Promise<void> {
  await inTx(deps, (tx) => deleteSession(tx, sessionId));
}

/** Reads one cookie from a Cookie header. */
export function readCookie(header: string | null | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const i = part.indexOf("=");
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}

/** The two Set-Cookie values that end a browser session (logout from a form or from /json). */
export function clearedSessionCookies(): string[] {
  return [
    cookieHeader(SESSION_COOKIE, "", { httpOnly: true, secure: false, maxAge: 0 }),
    cookieHeader(CSRF_COOKIE, "", { httpOnly: false, secure: false, maxAge: 0 }),
  ];
}

export function cookieHeader(name: string, value: string, opts: { httpOnly: boolean; secure: boolean; maxAge: number }): string {
  return [
    `${name}=${encodeURIComponent(value)}`, "Path=/", "SameSite=Lax", `Max-Age=${opts.maxAge}`,
    ...(opts.httpOnly ? ["HttpOnly"] : []), ...(opts.secure ? ["Secure"] : []),
  ].join("; ");
}
