import type { ActionDeps } from "../actions/deps.ts";
import { userByEmailFast, type UserRow } from "../db/repo/users.ts";
import type { RealmRow } from "../db/repo/realms.ts";
import { errors } from "../domain/errors.ts";
import { safeEqual } from "../lib/random.ts";

/** Parses `Authorization: Basic base64(email:api_key)`; null when the header is not Basic. */
export function parseBasic(header: string): { username: string; secret: string } | null {
  const m = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
  if (!m) return null;
  let decoded: string;
  try {
    decoded = Buffer.from(m[1]!, "base64").toString("utf8");
  } catch {
    return null;
  }
  const i = decoded.indexOf(":");
  if (i < 0) return null;
  return { username: decoded.slice(0, i), secret: decoded.slice(i + 1) };
}

/**
 * The API-key check behind every /api/v1 request. Reads the user row each time (an indexed
 * lookup), so a deactivation or key rotation takes effect on the very next request, on
 * every node.
 */
export async function authenticateApiKey(
  deps: Pick<ActionDeps, "store">,
  realm: RealmRow | null,
  header: string,
): Promise<UserRow> {
  const creds = parseBasic(header);
  if (!creds) throw errors.unauthenticated();
  if (!realm) throw errors.noSuchRealm();
  const user = await userByEmailFast(deps.store, realm.id, creds.username);
  if (!user || !safeEqual(user.apiKey, creds.secret)) throw errors.invalidApiKey();
  if (!user.isActive) throw errors.userDeactivated();
  if (realm.deactivated) throw errors.realmDeactivated();
  return user;
}
