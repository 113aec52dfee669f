// Missed-message emails (Zulip's missedmessage_emails worker). When a message is sent,
// the messages area calls `enqueueMissedMessageEmail` for each recipient who should be
// emailed if they do not read it: a direct message, a mention, or a message in a stream
// with email notifications on. All such messages for one recipient within the delay fold
// into ONE pending job (idempotency key per recipient + merge), which runs once the delay
// after the first message has passed. The job then asks the messages area which of them
// are still unread (MissedMessageSource), applies the recipient's CURRENT settings, and
// enqueues one email — inside the job's completion transaction, so the email job exists
// exactly once even if this job is retried.
import type { ActionTx } from "../../actions/tx.ts";
import type { Config } from "../../config/definition.ts";
import { missedMessagesEmail, type ConversationView } from "../../email/templates.ts";
import { MissingPortError } from "../ports.ts";
import { registerJobHandler } from "../registry.ts";
import type { JobContext, JobTx } from "../types.ts";
import { enqueueEmail } from "./email.ts";

export const MISSED_MESSAGE_QUEUE = "missed_message_email";

/** Why a recipient is to be emailed about a message (Zulip's NotificationTriggers). */
export type MissedMessageTrigger =
  | "direct_message"
  | "mentioned"
  | "topic_wildcard_mentioned"
  | "stream_wildcard_mentioned"
  | "stream_email_notify"
  | "followed_topic_email_notify";

export interface MissedMessagePayload {
  userId: number;
  messages: { id: number; trigger: MissedMessageTrigger }[];
}

/**
 * The narrow interface the messages area implements. Given a recipient and candidate
 * message ids it returns the recipient and those messages the recipient has NOT read yet
 * (and may still read: not deleted, still accessible), with their content. It returns
 * null when the recipient no longer gets email (deactivated user, bot, realm gone).
 */
export interface MissedMessageSource {
  load(userId: number, messageIds: number[]): Promise<MissedMessageBatch | null>;
}

export interface MissedMessageBatch {
  recipient: {
    userId: number;
    /** where mail is delivered (delivery_email) */
    email: string;
    fullName: string;
    realmName: string;
    /** e.g. https://org.chat.example.com */
    realmUrl: string;
    /** user setting enable_offline_email_notifications: DMs and mentions */
    offlineEmailNotifications: boolean;
  };
  messages: MissedMessageItem[];
}

export interface MissedMessageItem {
  id: number;
  senderName: string;
  /** UNIX seconds */
  timestamp: number;
  /** raw Markdown (text part) */
  content: string;
  /** sanitized rendered HTML (HTML part) */
  renderedContent: string;
  /** for stream messages; absent for DMs */
  stream?: { name: string; topic: string; emailNotifications: boolean };
  /** DM conversations: the other participants' names */
  directWith?: string[];
  /** reply-by-link: the message's conversation in the web app */
  conversationUrl: string;
}

/**
 * Call in the message-send transaction, once per recipient to email if unread. The email
 * goes out `missedMessageDelaySeconds` after the first such message, and only if the
 * transaction commits.
 */
export function enqueueMissedMessageEmail(
  tx: ActionTx | JobTx,
  config: Pick<Config, "missedMessageDelaySeconds">,
  m: { userId: number; messageId: number; trigger: MissedMessageTrigger },
) {
  const payload: MissedMessagePayload = { userId: m.userId, messages: [{ id: m.messageId, trigger: m.trigger }] };
  return tx.enqueue(MISSED_MESSAGE_QUEUE, payload, {
    delayMs: config.missedMessageDelaySeconds * 1000,
    idempotencyKey: `${MISSED_MESSAGE_QUEUE}:${m.userId}`,
    merge: mergePayloads,
  });
}

function mergePayloads(pending: unknown, incoming: unknown): MissedMessagePayload {
  const a = pending as MissedMessagePayload;
  const b = incoming as MissedMessagePayload;
  const seen = new Set(a.messages.map((m) => m.id));
  return { userId: a.userId, messages: [...a.messages, ...b.messages.filter((m) => !seen.has(m.id))] };
}

/** Whether the recipient's current settings still allow emailing this message. */
export function stillWanted(trigger: MissedMessageTrigger, item: MissedMessageItem, batch: MissedMessageBatch): boolean {
  switch (trigger) {
    case "direct_message":
    case "mentioned":
    case "topic_wildcard_mentioned":
    case "stream_wildcard_mentioned":
      return batch.recipient.offlineEmailNotifications;
    case "stream_email_notify":
    case "followed_topic_email_notify":
      return item.stream?.emailNotifications === true;
  }
}

export async function runMissedMessageJob(ctx: JobContext<MissedMessagePayload>) {
  const source = ctx.ports.missedMessages;
  if (!source) throw new MissingPortError("missed-message source");
  const { userId, messages } = ctx.payload;
  const triggers = new Map(messages.map((m) => [m.id, m.trigger]));
  const batch = await source.load(userId, [...triggers.keys()]);
  const wanted = (batch?.messages ?? []).filter((m) => triggers.has(m.id) && stillWanted(triggers.get(m.id)!, m, batch!));
  if (!batch || wanted.length === 0) {
    ctx.log.debug("no missed-message email: everything read or not wanted", { user: userId });
    return;
  }
  wanted.sort((x, y) => x.id - y.id);
  const byConversation = new Map<string, ConversationView>();
  for (const m of wanted) {
    const key = m.stream ? `s:${m.stream.name}\0${m.stream.topic}` : `d:${(m.directWith ?? [m.senderName]).join(",")}`;
    let c = byConversation.get(key);
    if (!c) {
      c = m.stream
        ? { kind: "stream", title: `#${m.stream.name} > ${m.stream.topic}`, url: m.conversationUrl, messages: [] }
        : { kind: "direct", title: (m.directWith ?? [m.senderName]).join(", "), url: m.conversationUrl, messages: [] };
      byConversation.set(key, c);
    }
    c.messages.push(m);
  }
  const r = batch.recipient;
  const email = missedMessagesEmail({
    realmName: r.realmName,
    realmUrl: r.realmUrl,
    recipientName: r.fullName,
    conversations: [...byConversation.values()],
    settingsUrl: `${r.realmUrl.replace(/\/$/, "")}/#settings/notifications`,
  });
  const host = new URL(r.realmUrl).hostname;
  const last = wanted[wanted.length - 1]!.id;
  await ctx.complete((tx) =>
    enqueueEmail(tx, {
      to: r.email,
      subject: email.subject,
      text: email.text,
      html: email.html,
      messageId: `<missed-${userId}-${last}@${host}>`,
      headers: { "Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All" },
    }),
  );
}

registerJobHandler<MissedMessagePayload>(MISSED_MESSAGE_QUEUE, runMissedMessageJob, { maxAttempts: 5, timeoutMs: 60_000 });
