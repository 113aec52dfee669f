// Trusted-header SSO (Zulip's RemoteUserBackend): a proxy in front of Hearth authenticates
// the user and names them in a header. Only believed from the configured proxy addresses.
import type { ActionDeps } from "../actions/deps.ts";
import type { RealmRow } from "../db/repo/realms.ts";
import { userByEmail, type UserRow } from "../db/repo/users.ts";
import { errors } from "../domain/errors.ts";
import { signUp } from "../actions/invites.ts";
import { randomToken } from "../lib/random.ts";

/** The remote user named by a trusted proxy, or null when the feature is off or the peer is not trusted. */
export function remoteUserFrom(config: ActionDeps["config"], peerIp: string, headerValue: string | null | undefined): string | null {
  if (!config.remoteUserHeader || !headerValue) return null;
  const trusted = config.remoteUserProxies.split(",").map((s) => s.trim()).filter(Boolean);
  if (!trusted.includes(peerIp.replace(/^::ffff:/, ""))) return null;
  const v = headerValue.trim().toLowerCase();
  if (!v) return null;
  if (v.includes("@")) return v;
  return config.remoteUserDomain ? `${v}@${config.remoteUserDomain.toLowerCase()}` : null;
}

/** Logs in (or registers, where the realm allows open registration) the named user. */
export async function userForRemoteUser(deps: ActionDeps, realm: RealmRow, email: string): Promise<UserRow> {
  const user = await userByEmail(deps.store, realm.id, email);
  if (user) {
    if (user.isBot) throw errors.authenticationFailed();
    if (!user.isActive) throw errors.userDeactivated();
    return user;
  }
  // A random unusable password: the account signs in through the proxy (or a reset).
  return signUp(deps, realm, { email, fullName: email.slice(0, email.indexOf("@")), password: randomToken(32) + "aA1!" });
}
