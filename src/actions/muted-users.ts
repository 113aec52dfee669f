// Muted users (POST/DELETE /users/me/muted_users/{id}): private to the muting user.
import type { ActionDeps } from "./deps.ts";
import { inTx, type ActionTx } from "./tx.ts";
import type { UserRow } from "../db/repo/users.ts";
import { userById } from "../db/repo/users.ts";
import { deleteMute, insertMute, mutedUserRows } from "../db/repo/personal.ts";
import type { Q } from "../db/types.ts";
import { errors } from "../domain/errors.ts";

export async function mutedUsersList(q: Q, userId: number) {
  return (await mutedUserRows(q, userId)).map((r) => ({ id: r.mutedUserId, timestamp: Math.floor(r.dateMuted.getTime() / 1000) }));
}

async function notify(tx: ActionTx, user: UserRow) {
  tx.notify({ type: "muted_users", muted_users: await mutedUsersList(tx, user.id) }, [user.id], user.realmId);
}

export async function muteUser(deps: ActionDeps, user: UserRow, mutedId: number): Promise<void> {
  if (mutedId === user.id) throw errors.badRequest("Cannot mute self");
  await inTx(deps, async (tx) => {
    const target = await userById(tx, mutedId);
    if (!target || target.realmId !== user.realmId) throw errors.badRequest("No such user");
    if ((await mutedUserRows(tx, user.id)).some((r) => r.mutedUserId === mutedId)) throw errors.badRequest("User already muted");
    await insertMute(tx, user.id, mutedId, deps.now());
    await notify(tx, user);
  });
}

export async function unmuteUser(deps: ActionDeps, user: UserRow, mutedId: number): Promise<void> {
  await inTx(deps, async (tx) => {
    const target = await userById(tx, mutedId);
    if (!target || target.realmId !== user.realmId) throw errors.badRequest("No such user");
    if (!(await mutedUserRows(tx, user.id)).some((r) => r.mutedUserId === mutedId)) throw errors.badRequest("User is not muted");
    await deleteMute(tx, user.id, mutedId);
    await notify(tx, user);
  });
}
