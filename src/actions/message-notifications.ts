// What a sent message sets in motion beyond the message itself: missed-message emails for
// the DM recipients and mentioned users, and outgoing-webhook calls for the bots it
// mentions or DMs (docs/jobs.md). `queueMessageNotifications` runs inside the send
// transaction, so the jobs exist iff the message committed. The job handlers call back
// through the ports below (connected in app/app.ts with `app.jobs.provide`).
import { and, eq, inArray, isNotNull } from "drizzle-orm";
import type { ActionDeps } from "./deps.ts";
import type { ActionTx } from "./tx.ts";
import { inTx } from "./tx.ts";
import type { Q } from "../db/types.ts";
import { realmById, type RealmRow } from "../db/repo/realms.ts";
import { userById, type UserRow } from "../db/repo/users.ts";
import { dmGroupMembers, messagesByIds, readIntervalsOf, type MessageRow } from "../db/repo/messages.ts";
import { streamsByIds, subscriptionOf } from "../db/repo/streams.ts";
import { botServicesOf } from "../db/repo/bots.ts";
import { userSettings } from "../domain/user-settings.ts";
import { Wildcard } from "../domain/flags.ts";
import { contains } from "../domain/intervals.ts";
import { realmUrl } from "../http/urls.ts";
import { canReadMessage } from "./message-access.ts";
import { enqueueMissedMessageEmail, type MissedMessageBatch, type MissedMessageItem, type MissedMessageSource, type MissedMessageTrigger } from "../jobs/handlers/missed-messages.ts";
import { enqueueOutgoingWebhook, type OutgoingWebhookPorts } from "../jobs/handlers/outgoing-webhook.ts";

const OUTGOING_WEBHOOK_BOT = 3;

export interface SentMessage {
  realm: RealmRow;
  sender: UserRow;
  msg: MessageRow;
  /** everyone who received it (stream subscribers or DM participants, incl. the sender) */
  recipients: number[];
  /** users mentioned by name or group who received it */
  mentioned: Set<number>;
  /** every user id the Markdown mentions by name, received or not (bots need not be subscribed) */
  mentionedAnywhere: Iterable<number>;
  topicWildcardUsers: Set<number>;
  /** the API message dict (the outgoing-webhook payload's `message`) */
  messageObject: Record<string, unknown>;
}

async function usersByIds(q: Q, ids: number[]): Promise<UserRow[]> {
  if (!ids.length) return [];
  const u = q.t.users;
  return q.db.select().from(u).where(inArray(u.id, ids));
}

/**
 * Called in the send transaction. Who gets a missed-message email job (Zulip's
 * NotificationTriggers, minus the "idle" check — the job re-checks unread state at delivery,
 * so a user who reads it in time gets nothing): DM recipients and mentioned users (also
 * wildcard mentions when the user's wildcard_mentions_notify is on), never the sender,
 * never bots, only with enable_offline_email_notifications. Per-stream email notifications
 * (stream_email_notify) are not queued: that would read every subscriber's settings on
 * every stream message.
 */
export async function queueMessageNotifications(tx: ActionTx, deps: ActionDeps, s: SentMessage): Promise<void> {
  const { msg, sender } = s;
  const isDm = msg.dmGroupId !== null;
  const triggers = new Map<number, MissedMessageTrigger>();
  const add = (id: number, t: MissedMessageTrigger) => {
    if (id !== sender.id && !triggers.has(id)) triggers.set(id, t);
  };
  if (isDm) for (const id of s.recipients) add(id, "direct_message");
  for (const id of s.mentioned) add(id, "mentioned");
  const wildcardUsers = msg.wildcard === Wildcard.STREAM ? s.recipients : [...s.topicWildcardUsers];
  const wildcardTrigger: MissedMessageTrigger = msg.wildcard === Wildcard.STREAM ? "stream_wildcard_mentioned" : "topic_wildcard_mentioned";

  // Bots mentioned need not be recipients (Zulip: a mention of an outgoing-webhook bot triggers it).
  const botCandidates = sender.isBot ? [] : [...new Set([...s.mentionedAnywhere].filter((id) => id !== sender.id))];
  if (isDm && !sender.isBot) for (const id of s.recipients) if (id !== sender.id) botCandidates.push(id);
  const ids = [...new Set([...triggers.keys(), ...wildcardUsers, ...botCandidates])].filter((id) => id !== sender.id);
  const users = new Map((await usersByIds(tx, ids)).map((u) => [u.id, u]));

  for (const [id, trigger] of triggers) {
    const u = users.get(id);
    if (!u || u.isBot || !u.isActive) continue;
    if (!userSettings(u.settings).enable_offline_email_notifications) continue;
    await enqueueMissedMessageEmail(tx, deps.config, { userId: id, messageId: msg.id, trigger });
  }
  if (wildcardUsers.length && msg.streamId !== null) {
    // the per-subscription override of wildcard_mentions_notify, for all of them in one query
    const sb = tx.t.subscriptions;
    const overrides = new Map(
      (await tx.db.select({ u: sb.userId, w: sb.wildcardMentionsNotify }).from(sb).where(and(eq(sb.streamId, msg.streamId), isNotNull(sb.wildcardMentionsNotify))))
        .map((r) => [r.u, r.w]),
    );
    for (const id of wildcardUsers) {
      const u = users.get(id);
      if (!u || u.isBot || !u.isActive || triggers.has(id) || id === sender.id) continue;
      const us = userSettings(u.settings);
      if (!us.enable_offline_email_notifications) continue;
      if (overrides.get(id) ?? us.wildcard_mentions_notify) {
        await enqueueMissedMessageEmail(tx, deps.config, { userId: id, messageId: msg.id, trigger: wildcardTrigger });
      }
    }
  }

  // Outgoing webhooks; a message sent by a bot never triggers one (Zulip: avoids bot loops).
  const bots = [...new Set(botCandidates)].map((id) => users.get(id)).filter((u): u is UserRow =>
    !!u && u.isBot && u.isActive && u.botType === OUTGOING_WEBHOOK_BOT && u.realmId === msg.realmId);
  if (!bots.length) return;
  const services = await botServicesOf(tx, bots.map((b) => b.id));
  for (const bot of bots) {
    const svc = services.get(bot.id);
    if (!svc) continue;
    await enqueueOutgoingWebhook(tx, {
      botUserId: bot.id,
      realmId: msg.realmId,
      url: svc.baseUrl,
      token: svc.token,
      botEmail: bot.email,
      botFullName: bot.fullName,
      trigger: isDm ? "direct_message" : "mention",
      message: { ...s.messageObject, id: msg.id },
      data: msg.content,
    });
  }
}

// ------------------------------------------------------------------ job ports

/** Zulip's hash encoding for narrow URLs (encodeHashComponent). */
function hashComponent(s: string): string {
  return encodeURIComponent(s).replace(/[.()'*!]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase()).replace(/%/g, ".");
}

/** The missed-message job's source: which of these messages the user still has unread. */
export function missedMessageSource(deps: ActionDeps): MissedMessageSource {
  return {
    async load(userId, messageIds): Promise<MissedMessageBatch | null> {
      const q = deps.store;
      const user = await userById(q, userId);
      if (!user || !user.isActive || user.isBot) return null;
      const realm = await realmById(q, user.realmId);
      if (!realm) return null;
      const base = realmUrl(deps.config, realm.stringId);
      const read = await readIntervalsOf(q, userId);
      const isRead = (id: number) => contains(read, id);
      const rows: MessageRow[] = [];
      for (const m of await messagesByIds(q, messageIds)) {
        // deleted messages are simply absent; moved out of reach → no longer readable
        if (!isRead(m.id) && (await canReadMessage(q, user, m))) rows.push(m);
      }
      const streams = new Map((await streamsByIds(q, [...new Set(rows.map((m) => m.streamId).filter((x): x is number => x !== null))])).map((s) => [s.id, s]));
      const groups = await dmGroupMembers(q, [...new Set(rows.map((m) => m.dmGroupId).filter((x): x is number => x !== null))]);
      const people = new Map((await usersByIds(q, [...new Set([...rows.map((m) => m.senderId), ...[...groups.values()].flat()])])).map((u) => [u.id, u]));
      const settings = userSettings(user.settings);
      const items: MissedMessageItem[] = [];
      for (const m of rows) {
        const item: MissedMessageItem = {
          id: m.id,
          senderName: people.get(m.senderId)?.fullName ?? "Unknown user",
          timestamp: Math.floor(m.dateSent.getTime() / 1000),
          content: m.content,
          renderedContent: m.renderedContent,
          conversationUrl: "",
        };
        if (m.streamId !== null) {
          const st = streams.get(m.streamId);
          if (!st) continue;
          const sub = await subscriptionOf(q, userId, st.id);
          item.stream = { name: st.name, topic: m.topic, emailNotifications: sub?.emailNotifications ?? settings.enable_stream_email_notifications };
          item.conversationUrl = `${base}/#narrow/channel/${st.id}-${hashComponent(st.name)}/topic/${hashComponent(m.topic)}/near/${m.id}`;
        } else {
          const members = (groups.get(m.dmGroupId!) ?? []).filter((id) => id !== userId);
          item.directWith = members.map((id) => people.get(id)?.fullName ?? "Unknown user").sort();
          item.conversationUrl = `${base}/#narrow/dm/${[...members].sort((a, b) => a - b).join(",") || userId}-dm/near/${m.id}`;
        }
        items.push(item);
      }
      return {
        recipient: {
          userId,
          email: user.deliveryEmail,
          fullName: user.fullName,
          realmName: realm.name,
          realmUrl: base,
          offlineEmailNotifications: settings.enable_offline_email_notifications,
        },
        messages: items,
      };
    },
  };
}

/** The outgoing-webhook job's ports: post the bot's reply, tell its owner about failures. */
export function outgoingWebhookPorts(deps: ActionDeps): OutgoingWebhookPorts {
  // Lazy import: messages.ts imports this module (for the send hook).
  const send = async (realmId: number, botId: number, input: Parameters<typeof import("./messages.ts").sendMessage>[3]) => {
    const { sendMessage } = await import("./messages.ts");
    const realm = await realmById(deps.store, realmId);
    const bot = await userById(deps.store, botId);
    if (!realm || !bot || !bot.isActive) return;
    // Called inside the job's completion transaction: sendMessage's inTx joins it.
    await sendMessage(deps, realm, bot, input);
  };
  return {
    async postReply({ botUserId, realmId, message, content }) {
      if (message.type === "stream") {
        await send(realmId, botUserId, { type: "stream", to: [Number(message.stream_id)], topic: String(message.subject ?? ""), content, client: "OutgoingWebhookResponse" });
      } else {
        const ids = (message.display_recipient as { id: number }[]).map((r) => r.id).filter((id) => id !== botUserId);
        await send(realmId, botUserId, { type: "private", to: ids.length ? ids : [botUserId], content, client: "OutgoingWebhookResponse" });
      }
    },
    async notifyOwner({ botUserId, realmId, text }) {
      // Zulip sends this from its notification bot, which Hearth does not have: the bot
      // itself tells its owner (a bot's own messages trigger no webhook, so no loop).
      const bot = await userById(deps.store, botUserId);
      if (!bot?.botOwnerId) return;
      const owner = await userById(deps.store, bot.botOwnerId);
      if (!owner?.isActive) return;
      await inTx(deps, () => send(realmId, botUserId, { type: "private", to: [owner.id], content: text, client: "OutgoingWebhookResponse" }));
    },
  };
}
