// Password reset by link. The token is stateless: HMAC(secret, user id, expiry, current
// password hash), so it dies after an hour or as soon as the password changes (one use),
// with no table to clean. The link goes out as an e-mail job (jobs area) when the server
// has a mail server; without one it is never written anywhere outside development mode.
import { createHmac, timingSafeEqual } from "node:crypto";
import type { ActionDeps } from "./deps.ts";
import type { RealmRow } from "../db/repo/realms.ts";
import { userByDeliveryEmail, userById, type UserRow } from "../db/repo/users.ts";
import { errors } from "../domain/errors.ts";
import { setPassword } from "./users.ts";
import { realmUrl } from "../http/urls.ts";
import { inTx } from "./tx.ts";
import { enqueueEmail } from "../jobs/handlers/email.ts";
import { passwordResetEmail } from "../email/templates.ts";

export const RESET_TTL_SECONDS = 3600;

function mac(deps: ActionDeps, userId: number, exp: number, passwordHash: string | null): Buffer {
  return createHmac("sha256", `${deps.config.secretKey}:password-reset`).update(`${userId}.${exp}.${passwordHash ?? ""}`).digest();
}

export function resetToken(deps: ActionDeps, user: UserRow): string {
  const exp = Math.floor(deps.now().getTime() / 1000) + RESET_TTL_SECONDS;
  return `${user.id}.${exp}.${mac(deps, user.id, exp, user.passwordHash).toString("base64url")}`;
}

/** The reset link for an active human account of this realm, or null (never says which). */
export async function passwordResetLink(deps: ActionDeps, realm: RealmRow, email: string): Promise<{ user: UserRow; url: string } | null> {
  const user = await userByDeliveryEmail(deps.store, realm.id, email.trim().toLowerCase());
  if (!user || !user.isActive || user.isBot) return null;
  return { user, url: `${realmUrl(deps.config, realm.stringId)}/accounts/password/reset/${resetToken(deps, user)}/` };
}

/** The account a token belongs to, if it is still valid for this realm. */
export async function checkResetToken(deps: ActionDeps, realm: RealmRow, token: string): Promise<UserRow> {
  const bad = () => errors.badRequest("This password reset link has expired or was already used.");
  const m = /^(\d+)\.(\d+)\.([A-Za-z0-9_-]+)$/.exec(token);
  if (!m) throw bad();
  const [id, exp] = [Number(m[1]), Number(m[2])];
  if (exp < deps.now().getTime() / 1000) throw bad();
  const user = await userById(deps.store, id);
  if (!user || user.realmId !== realm.id || !user.isActive || user.isBot) throw bad();
  const want = mac(deps, id, exp, user.passwordHash);
  const got = Buffer.from(m[3]!, "base64url");
  // canonical encoding only: base64's unused low bits must not give a second valid spelling
  if (got.length !== want.length || got.toString("base64url") !== m[3] || !timingSafeEqual(got, want)) throw bad();
  return user;
}

export async function resetPassword(deps: ActionDeps, realm: RealmRow, token: string, password: string): Promise<UserRow> {
  const user = await checkResetToken(deps, realm, token);
  // setPassword checks the password policy, ends the user's other sessions and audits it.
  await setPassword(deps, null, user.id, password);
  return user;
}

/**
 * Sends the reset link to an account's address. Returns whether mail can go out at all
 * (the page says so); never whether the account exists.
 */
export async function requestPasswordReset(deps: ActionDeps, realm: RealmRow, email: string): Promise<{ canSend: boolean }> {
  const canSend = deps.config.emailUrl !== "";
  const link = email.trim() ? await passwordResetLink(deps, realm, email) : null;
  if (!link) return { canSend };
  if (canSend) {
    const mail = passwordResetEmail({ realmName: realm.name, resetUrl: link.url, email: link.user.deliveryEmail });
    await inTx(deps, async (tx) => {
      await enqueueEmail(tx, { to: link.user.deliveryEmail, ...mail });
    });
  } else if (deps.config.developmentMode) {
    deps.log.warn(`password reset link (development mode, no mail server): ${link.url}`, { user_id: link.user.id });
  } else {
    deps.log.warn("password reset asked for, but no mail server is configured (HEARTH_EMAIL_URL)", { user_id: link.user.id });
  }
  return { canSend };
}
