// May this user read this message? (Zulip's has_message_access.) One rule for
// GET /messages/{id}, reactions, flags, edits, history and read receipts; narrows apply the
// same rule in SQL (db/repo/messages.ts accessSql).
import type { Q } from "../db/types.ts";
import type { UserRow } from "../db/repo/users.ts";
import { dmGroupMembers, flagBits, messageById, type MessageRow } from "../db/repo/messages.ts";
import { intervalsOfUser, streamById, subscriptionOf } from "../db/repo/streams.ts";
import { ApiError } from "../domain/errors.ts";
import { FlagBit } from "../domain/flags.ts";
import { canReadWholeHistory } from "./stream-access.ts";

export const invalidMessage = () => new ApiError("BAD_REQUEST", "Invalid message(s)");

/** Zulip's UserMessage-exists test, for one message. */
export async function hasReceived(q: Q, userId: number, m: MessageRow): Promise<boolean> {
  if (m.senderId === userId) return true;
  if (m.dmGroupId !== null) return (await dmGroupMembers(q, [m.dmGroupId])).get(m.dmGroupId)?.includes(userId) ?? false;
  const ivs = (await intervalsOfUser(q, userId)).filter((iv) => iv.streamId === m.streamId);
  if (ivs.some((iv) => iv.startId <= m.id && (iv.endId === null || iv.endId >= m.id))) return true;
  return (((await flagBits(q, userId, [m.id])).get(m.id) ?? 0) & FlagBit.historical) !== 0;
}

export async function canReadMessage(q: Q, user: UserRow, m: MessageRow): Promise<boolean> {
  if (m.realmId !== user.realmId) return false;
  if (await hasReceived(q, user.id, m)) return true;
  if (m.streamId === null) return false;
  const s = await streamById(q, user.realmId, m.streamId);
  if (!s) return false;
  return canReadWholeHistory(user, s, await subscriptionOf(q, user.id, s.id));
}

export async function accessMessage(q: Q, user: UserRow, id: number): Promise<MessageRow> {
  const m = await messageById(q, id);
  if (!m || !(await canReadMessage(q, user, m))) throw invalidMessage();
  return m;
}
