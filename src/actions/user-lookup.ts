// Finding a user of the caller's realm by the `{user_id}` / `{user_id_or_email}` path
// segment, with Zulip's "No such user" error.
import type { ActionDeps } from "./deps.ts";
import { userByEmail, userById, type UserRow } from "../db/repo/users.ts";
import { errors } from "../domain/errors.ts";

export async function userInRealm(deps: ActionDeps, realmId: number, idOrEmail: string | number): Promise<UserRow> {
  const s = String(idOrEmail);
  const u = /^\d+$/.test(s) ? await userById(deps.store, Number(s)) : await userByEmail(deps.store, realmId, s);
  if (!u || u.realmId !== realmId) throw errors.badRequest("No such user");
  return u;
}

