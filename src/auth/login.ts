// Password login, shared by POST /fetch_api_key and the web POST /login. Unknown users
// still pay for one hash comparison so that timing does not reveal which emails exist.
import type { ActionDeps } from "../actions/deps.ts";
import { userByEmail, type UserRow } from "../db/repo/users.ts";
import type { RealmRow } from "../db/repo/realms.ts";
import { errors } from "../domain/errors.ts";
import { needsRehash, verifyPassword } from "./passwords.ts";
import { setPassword } from "../actions/users.ts";

let dummyHash: Promise<string> | null = null;

export async function authenticatePassword(deps: ActionDeps, realm: RealmRow, username: string, password: string): Promise<UserRow> {
  const user = username ? await userByEmail(deps.store, realm.id, username.trim()) : undefined;
  if (!user || !user.passwordHash || user.isBot) {
    dummyHash ??= Bun.password.hash("hearth-dummy-password", { algorithm: "argon2id" });
    await Bun.password.verify(password || "x", await dummyHash).catch(() => false);
    throw errors.authenticationFailed();
  }
  if (!(await verifyPassword(password, user.passwordHash))) throw errors.authenticationFailed();
  if (!user.isActive) throw errors.userDeactivated();
  if (realm.deactivated) throw errors.realmDeactivated();
  if (needsRehash(user.passwordHash) && !deps.config.readOnly) {
    // An imported Django hash (or older parameters): replace it now that we know the password.
    await setPassword(deps, null, user.id, password, { auditIt: false, skipPolicy: true });
  }
  return user;
}
