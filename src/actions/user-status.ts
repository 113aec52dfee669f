// User status (POST /users/me/status): a short text, an emoji and the deprecated "away"
// flag, shown to everyone in the realm.
import type { ActionDeps } from "./deps.ts";
import { inTx } from "./tx.ts";
import type { RealmRow } from "../db/repo/realms.ts";
import type { UserRow } from "../db/repo/users.ts";
import { activeUserIdsInRealm } from "../db/repo/users.ts";
import { saveUserStatus, userStatusRow, userStatusRows, type UserStatusRow } from "../db/repo/personal.ts";
import { errors } from "../domain/errors.ts";
import { isAdminRole } from "../domain/roles.ts";

export const MAX_STATUS_TEXT = 60;
const REACTION_TYPES = ["unicode_emoji", "realm_emoji", "zulip_extra_emoji"];

export interface StatusInput {
  away?: boolean;
  statusText?: string;
  emojiName?: string;
  emojiCode?: string;
  reactionType?: string;
}

/** The wire dict: only what is set (Zulip's get_user_status_dict). */
export function statusDict(r: Pick<UserStatusRow, "away" | "statusText" | "emojiName" | "emojiCode" | "reactionType"> | undefined) {
  const out: Record<string, unknown> = {};
  if (!r) return out;
  if (r.away) out.away = true;
  if (r.statusText) out.status_text = r.statusText;
  if (r.emojiName) {
    out.emoji_name = r.emojiName;
    out.emoji_code = r.emojiCode;
    out.reaction_type = r.reactionType;
  }
  return out;
}

export async function updateUserStatus(deps: ActionDeps, realm: RealmRow, user: UserRow, input: StatusInput): Promise<void> {
  if (input.away === undefined && input.statusText === undefined && input.emojiName === undefined) {
    throw errors.badRequest("Client did not pass any new values.");
  }
  const statusText = input.statusText?.trim();
  if (statusText !== undefined && statusText.length > MAX_STATUS_TEXT) {
    throw errors.badRequest(`status_text is too long (limit: ${MAX_STATUS_TEXT} characters)`);
  }
  const reactionType = input.reactionType ?? "unicode_emoji";
  if (!REACTION_TYPES.includes(reactionType)) throw errors.invalid("reaction_type", "Invalid reaction_type");
  if (input.emojiName && !input.emojiCode) throw errors.badRequest("Emoji code is required with emoji_name");
  await inTx(deps, async (tx) => {
    const old = await userStatusRow(tx, user.id);
    const row: UserStatusRow = old
      ? { ...old }
      : { userId: user.id, realmId: realm.id, away: false, statusText: "", emojiName: "", emojiCode: "", reactionType: "unicode_emoji", updatedAt: deps.now() };
    row.updatedAt = deps.now();
    const event: Record<string, unknown> = { type: "user_status", user_id: user.id };
    if (input.away !== undefined) row.away = event.away = input.away;
    if (statusText !== undefined) row.statusText = event.status_text = statusText;
    if (input.emojiName !== undefined) {
      row.emojiName = event.emoji_name = input.emojiName;
      row.emojiCode = event.emoji_code = input.emojiName ? input.emojiCode! : "";
      row.reactionType = event.reaction_type = input.emojiName ? reactionType : "unicode_emoji";
    }
    await saveUserStatus(tx, row);
    tx.notify(event as { type: string }, await activeUserIdsInRealm(tx, realm.id), realm.id);
  });
}

/** POST /users/{id}/status: administrators may set (or clear) another user's status. */
export async function updateOtherUserStatus(deps: ActionDeps, realm: RealmRow, actor: UserRow, target: UserRow, input: Omit<StatusInput, "away">) {
  if (!isAdminRole(actor.role)) throw errors.badRequest("Insufficient permission");
  await updateUserStatus(deps, realm, target, input);
}

export async function userStatusOf(deps: ActionDeps, userId: number) {
  return statusDict(await userStatusRow(deps.store, userId));
}

/** /register `user_status`: every user of the realm with a non-empty status. */
export async function realmUserStatuses(deps: ActionDeps, realmId: number): Promise<Record<string, Record<string, unknown>>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const r of await userStatusRows(deps.store, realmId)) {
    const d = statusDict(r);
    if (Object.keys(d).length) out[String(r.userId)] = d;
  }
  return out;
}
