// Password reset by email (Zulip's /accounts/password/reset/). The request always answers
// the same, whether or not the address has an account, so it reveals nothing. The link
// carries a signed token (jose HS256, key derived from the secret key) naming the user,
// expiring after PASSWORD_RESET_MINUTES, and bound to a fingerprint of the current
// password hash: once the password changes (by this link or otherwise) the token is dead.
import { SignJWT, jwtVerify } from "jose";
import { createHash, createHmac } from "node:crypto";
import type { ActionDeps } from "../actions/deps.ts";
import { inTx } from "../actions/tx.ts";
import { setPassword } from "../actions/users.ts";
import type { RealmRow } from "../db/repo/realms.ts";
import { userByDeliveryEmail, userById } from "../db/repo/users.ts";
import { ApiError } from "../domain/errors.ts";
import { passwordResetEmail } from "../email/templates.ts";
import { enqueueEmail } from "../jobs/handlers/email.ts";
import { realmUrl } from "../http/urls.ts";
import { safeEqual } from "../lib/random.ts";

export const PASSWORD_RESET_MINUTES = 60;

const keys = new Map<string, Uint8Array>();
function resetKey(secret: string): Uint8Array {
  let k = keys.get(secret);
  if (!k) keys.set(secret, (k = new Uint8Array(createHmac("sha256", secret).update("hearth-password-reset-v1").digest())));
  return k;
}

const fingerprint = (passwordHash: string | null) => createHash("sha256").update(`pw:${passwordHash ?? ""}`).digest("base64url").slice(0, 22);

const invalidLink = () => new ApiError("BAD_REQUEST", "The password reset link is invalid or has expired.");

/** Queues the reset email when the address belongs to an active human user of this realm. */
export async function requestPasswordReset(deps: ActionDeps, realm: RealmRow, email: string): Promise<void> {
  const user = await userByDeliveryEmail(deps.store, realm.id, email.trim());
  if (!user || !user.isActive || user.isBot || realm.deactivated) return;
  const now = deps.now();
  const token = await new SignJWT({ ph: fingerprint(user.passwordHash), r: realm.id })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(String(user.id))
    .setIssuedAt(Math.floor(now.getTime() / 1000))
    .setExpirationTime(Math.floor(now.getTime() / 1000) + PASSWORD_RESET_MINUTES * 60)
    .sign(resetKey(deps.config.secretKey));
  const mail = passwordResetEmail({ realmName: realm.name, email: user.deliveryEmail, resetUrl: `${realmUrl(deps.config, realm.stringId)}/accounts/password/reset/${token}/` });
  await inTx(deps, (tx) => enqueueEmail(tx, { to: user.deliveryEmail, subject: mail.subject, text: mail.text, html: mail.html }));
}

/** Sets the new password if the token is genuine, unexpired, for this realm and still unused. */
export async function confirmPasswordReset(deps: ActionDeps, realm: RealmRow, token: string, newPassword: string): Promise<void> {
  let sub: string | undefined;
  let ph: unknown;
  let r: unknown;
  try {
    const { payload } = await jwtVerify(token, resetKey(deps.config.secretKey), { algorithms: ["HS256"], currentDate: deps.now() });
    ({ sub, ph, r } = payload as { sub?: string; ph?: unknown; r?: unknown });
  } catch {
    throw invalidLink();
  }
  const user = sub ? await userById(deps.store, Number(sub)) : undefined;
  if (!user || r !== realm.id || user.realmId !== realm.id || !user.isActive || user.isBot) throw invalidLink();
  if (typeof ph !== "string" || !safeEqual(ph, fingerprint(user.passwordHash))) throw invalidLink();
  // Policy checked, hashed, written, other sessions ended, audited: the ordinary password change.
  await setPassword(deps, user.id, user.id, newPassword);
}
