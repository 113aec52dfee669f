// Typing notifications (POST /typing, POST /messages/{id}/typing). Nothing is stored:
// an event goes to the conversation's recipients, who expire it client-side after
// server_typing_started_expiry_period_milliseconds.
import type { ActionDeps } from "./deps.ts";
import { activeSubscriberIds, streamById, subscriptionOf } from "../db/repo/streams.ts";
import { dmGroupMembers, messageById } from "../db/repo/messages.ts";
import { canSeeStream } from "./stream-access.ts";
import { canReadMessage } from "./message-access.ts";
import type { RealmRow } from "../db/repo/realms.ts";
import type { UserRow } from "../db/repo/users.ts";
import { userByEmail } from "../db/repo/users.ts";
import { usersByIds } from "../db/repo/satellite-users.ts";
import { errors } from "../domain/errors.ts";
import { userSetting } from "../domain/settings-read.ts";
import type { ZulipEvent } from "../events/bus.ts";

/** Zulip's typing constants (zproject/default_settings.py), sent in /register. */
export const TYPING = {
  startedExpiryPeriodMs: 15000,
  stoppedWaitPeriodMs: 5000,
  startedWaitPeriodMs: 10000,
  /** stream typing is not sent for bigger streams (MAX_STREAM_SIZE_FOR_TYPING_NOTIFICATIONS) */
  maxStreamSizeForTyping: 100,
} as const;

export type TypingOp = "start" | "stop";

/** Where a message lives, as typing_edit_message needs it. */
export type MessageRecipient =
  | { type: "channel"; channelId: number; topic: string; subscriberIds: number[] }
  | { type: "direct"; userIds: number[] };

/**
 * INTEGRATION POINT. Typing needs two facts owned by the streams/messages area, which is
 * built in parallel: a stream's subscribers, and a message's recipient. They come in
 * through this interface so this file does not read tables it does not own.
 *  - subscribersOf(streamId): subscriber user ids of a stream the sender may post to,
 *    or null when there is no such stream (or the sender may not see it) — to be backed
 *    by `streamSubscriberIds(q, streamId)` plus the access check of the streams area;
 *  - messageRecipient(messageId): the message's recipient as the sender may see it, or
 *    null when the message does not exist or is not accessible.
 */
export interface TypingRecipients {
  subscribersOf(streamId: number): Promise<number[] | null>;
  messageRecipient(messageId: number): Promise<MessageRecipient | null>;
}

/** The wiring the routes use: the streams area's access rules and the messages area's access check. */
export function connectedTypingRecipients(deps: ActionDeps, realm: RealmRow, sender: UserRow): TypingRecipients {
  const q = deps.store;
  return {
    async subscribersOf(streamId) {
      const s = await streamById(q, realm.id, streamId);
      if (!s || !canSeeStream(sender, s, await subscriptionOf(q, sender.id, s.id))) return null;
      return activeSubscriberIds(q, s.id);
    },
    async messageRecipient(messageId) {
      const m = await messageById(q, messageId);
      if (!m || !(await canReadMessage(q, sender, m))) return null;
      if (m.streamId !== null) return { type: "channel", channelId: m.streamId, topic: m.topic, subscriberIds: await activeSubscriberIds(q, m.streamId) };
      return { type: "direct", userIds: (await dmGroupMembers(q, [m.dmGroupId!])).get(m.dmGroupId!) ?? [] };
    },
  };
}

/**
 * Typing changes no state, so there is no transaction to wait for: the event is handed
 * to the bus directly (the one place in this area that does; everything that writes uses
 * inTx + tx.notify).
 */
function publishNow(deps: ActionDeps, realmId: number, event: ZulipEvent, userIds: number[]) {
  if (userIds.length) deps.bus.publish([{ event, userIds: [...new Set(userIds)], realmId }]);
}

/** Users who turned off receiving typing notifications are left out (receives_typing_notifications). */
function receivers(users: UserRow[]): number[] {
  return users.filter((u) => u.isActive && userSetting<boolean>(u, "receives_typing_notifications", true) !== false).map((u) => u.id);
}

export type TypingTarget =
  | { type: "direct"; to: (number | string)[] }
  | { type: "stream"; streamId: number | undefined; topic: string | undefined };

export async function sendTyping(
  deps: ActionDeps,
  realm: RealmRow,
  sender: UserRow,
  op: TypingOp,
  target: TypingTarget,
  lookups: TypingRecipients = connectedTypingRecipients(deps, realm, sender),
): Promise<void> {
  const senderRef = { user_id: sender.id, email: sender.email };
  if (target.type === "direct") {
    if (userSetting<boolean>(sender, "send_private_typing_notifications", true) === false) {
      throw errors.badRequest("User has disabled typing notifications for direct messages");
    }
    if (target.to.length === 0) throw errors.badRequest("Empty 'to' list");
    const ids = new Set<number>([sender.id]);
    for (const x of target.to) {
      if (typeof x === "number") ids.add(x);
      else {
        const u = await userByEmail(deps.store, realm.id, x);
        if (!u) throw errors.badRequest(`Invalid email '${x}'`);
        ids.add(u.id);
      }
    }
    const users = await usersByIds(deps.store, realm.id, [...ids]);
    if (users.length !== ids.size || users.some((u) => !u.isActive && u.id !== sender.id)) {
      const known = new Set(users.filter((u) => u.isActive).map((u) => u.id));
      const bad = [...ids].find((i) => i !== sender.id && !known.has(i));
      throw errors.badRequest(`Invalid user ID ${bad}`);
    }
    const event = {
      type: "typing",
      op,
      message_type: "direct",
      sender: senderRef,
      recipients: users.map((u) => ({ user_id: u.id, email: u.email })),
    };
    publishNow(deps, realm.id, event, receivers(users));
    return;
  }
  if (userSetting<boolean>(sender, "send_stream_typing_notifications", true) === false) {
    throw errors.badRequest("User has disabled typing notifications for channel messages");
  }
  // Zulip's messages and codes (views/typing.py, access_stream_by_id).
  if (target.streamId === undefined) throw errors.badRequest("Missing channel ID");
  if (target.topic === undefined) throw errors.badRequest("Missing topic");
  const subscribers = await lookups.subscribersOf(target.streamId);
  if (!subscribers) throw errors.badRequest("Invalid channel ID");
  // Zulip does not send typing notifications in big streams: they would be noise and load.
  if (subscribers.length > TYPING.maxStreamSizeForTyping) return;
  const users = await usersByIds(deps.store, realm.id, subscribers);
  const event = { type: "typing", op, message_type: "stream", sender: senderRef, stream_id: target.streamId, topic: target.topic };
  publishNow(deps, realm.id, event, receivers(users));
}

/** POST /messages/{id}/typing: someone is editing a message. */
export async function sendEditTyping(
  deps: ActionDeps,
  realm: RealmRow,
  sender: UserRow,
  op: TypingOp,
  messageId: number,
  lookups: TypingRecipients = connectedTypingRecipients(deps, realm, sender),
): Promise<void> {
  const r = await lookups.messageRecipient(messageId);
  if (!r) throw errors.badRequest("Invalid message(s)");
  if (r.type === "direct") {
    const users = await usersByIds(deps.store, realm.id, r.userIds);
    const event = { type: "typing_edit_message", op, sender_id: sender.id, message_id: messageId, recipient: { type: "direct", user_ids: [...r.userIds].sort((a, b) => a - b) } };
    publishNow(deps, realm.id, event, receivers(users));
    return;
  }
  if (r.subscriberIds.length > TYPING.maxStreamSizeForTyping) return;
  const users = await usersByIds(deps.store, realm.id, r.subscriberIds);
  const event = { type: "typing_edit_message", op, sender_id: sender.id, message_id: messageId, recipient: { type: "channel", channel_id: r.channelId, topic: r.topic } };
  publishNow(deps, realm.id, event, receivers(users));
}
