// Sending and reading messages. A message is one row (plus a search-index entry, sparse
// flag rows for the users it mentions, and at most one read-interval change for the
// sender), whatever the number of recipients: docs/storage.md.
import { linkMessageAttachments } from "./attachments.ts";
import { and, eq, gte, inArray, isNull, lte, or, sql } from "drizzle-orm";
import type { ActionDeps } from "./deps.ts";
import { inTx } from "./tx.ts";
import type { Q } from "../db/types.ts";
import type { RealmRow } from "../db/repo/realms.ts";
import { userByEmail, userById, type UserRow } from "../db/repo/users.ts";
import {
  dmGroupMembers, fetchExact, fetchSide, firstMatchingId, getOrCreateDmGroup, insertFlagRows,
  insertMessage, matchingIds, messagesByIds, narrowSql, readSql, receivedSql, readersOf, lockUser,
  readIntervalsOf, replaceReadIntervals, type MessageRow,
} from "../db/repo/messages.ts";
import { activeSubscriberIds, lockStream, streamById, streamByName, subscriptionOf, updateStream, type StreamRow } from "../db/repo/streams.ts";
import { ApiError, errors } from "../domain/errors.ts";
import { FlagBit, Wildcard } from "../domain/flags.ts";
import { contains, union } from "../domain/intervals.ts";
import { avatarUrl } from "../domain/avatars.ts";
import type { NarrowTerm } from "../domain/narrow.ts";
import { Role, isGuestRole } from "../domain/roles.ts";
import { MAX_MESSAGE_LENGTH, MAX_TOPIC_LENGTH, WILDCARD_MENTION_THRESHOLD, messagingSettings } from "../domain/messaging-settings.ts";
import { canPostByPolicy, canSeeStream, usersWhoCanSeeStream } from "./stream-access.ts";
import { alertWordMatches, htmlToText, lookupsFor, renderForRealm, renderSources } from "./render.ts";
import { renderMarkdown, renderTopicLinks, type MarkdownLookups } from "../markdown/index.ts";
import { messageObjects, recipientId } from "./message-objects.ts";
import { resolveNarrow } from "./narrow.ts";
import { accessMessage } from "./message-access.ts";
import { queueMessageNotifications } from "./message-notifications.ts";

export const LARGER_THAN_MAX_MESSAGE_ID = 10000000000000000;

// ---------------------------------------------------------------- send

export interface SendInput {
  type: "stream" | "private";
  /** stream: one name or id; private: ids or emails */
  to: (string | number)[];
  topic?: string;
  content: string;
  client: string;
  readBySender?: boolean;
  localId?: string;
  queueId?: string;
}

/** Zulip's default_read_by_sender: messages from full UI clients start read for their sender. */
function defaultReadBySender(client: string): boolean {
  const c = client.toLowerCase();
  return ["zulipandroid", "zulipios", "zulipdesktop", "zulipmobile", "zulipelectron", "zulipterminal", "website", "ios", "android", "zulipflutter"].includes(c) || c.includes("desktop app");
}

function wildcardAllowed(user: UserRow, policy: number, audience: number): boolean {
  if (audience <= WILDCARD_MENTION_THRESHOLD) return true;
  switch (policy) {
    case 1: return true;
    case 2: case 3: return user.role !== Role.GUEST;
    case 7: return user.role <= Role.MODERATOR;
    case 6: return false;
    default: return user.role <= Role.ADMINISTRATOR;
  }
}

function normalizeTopic(raw: string): string {
  // eslint-disable-next-line no-control-regex
  const t = raw.replace(/[\u0000-\u001f\u007f]/g, "").trim();
  return t.length > MAX_TOPIC_LENGTH ? t.slice(0, MAX_TOPIC_LENGTH - 1) + "…" : t;
}

function normalizeContent(raw: string): string {
  const c = raw.replace(/\s+$/, "");
  if (!c.trim()) throw errors.badRequest("Message must not be empty");
  return c.length > MAX_MESSAGE_LENGTH ? c.slice(0, MAX_MESSAGE_LENGTH - 20) + "\n[message truncated]" : c;
}

async function resolveUser(q: Q, realmId: number, x: string | number): Promise<UserRow> {
  const u = typeof x === "number" ? await userById(q, x) : await userByEmail(q, realmId, x);
  if (!u || u.realmId !== realmId) {
    throw errors.badRequest(typeof x === "number" ? `Invalid user ID ${x}` : `Invalid email '${x}'`);
  }
  if (!u.isActive) throw errors.badRequest(`'${u.email}' is no longer using Zulip.`);
  return u;
}

async function resolveStream(q: Q, realmId: number, x: string | number): Promise<StreamRow> {
  if (typeof x === "number") {
    const s = await streamById(q, realmId, x);
    if (!s) throw new ApiError("STREAM_DOES_NOT_EXIST", `Channel with ID '${x}' does not exist`, { stream_id: x });
    return s;
  }
  const s = await streamByName(q, realmId, x);
  if (!s) throw new ApiError("STREAM_DOES_NOT_EXIST", `Channel '${x}' does not exist`, { stream: x });
  return s;
}

/** Adds message `id` to the sender's read set; bridges the gap to the previous interval when
 *  the sender received nothing in between, so a busy sender's read set stays one interval. */
async function markSentRead(q: Q, userId: number, id: number): Promise<void> {
  const r = q.t.readIntervals;
  const last = (await q.db.select().from(r).where(eq(r.userId, userId)).orderBy(sql`${r.startId} desc`).limit(1))[0];
  if (last && last.endId >= id) {
    // Ids are allocated before the user lock is taken, so a concurrent send with a larger
    // id may have marked itself first; then this id can sit in a gap below the last
    // interval. Rare: fall back to a general union.
    if (last.startId <= id) return;
    const before = await readIntervalsOf(q, userId);
    if (contains(before, id)) return;
    await replaceReadIntervals(q, userId, before, union(before, [[id, id]]));
    return;
  }
  if (last && (last.endId === id - 1 || (id - last.endId < 10_000 && !(await receivedBetween(q, userId, last.endId, id))))) {
    await q.db.update(r).set({ endId: id }).where(eq(r.id, last.id));
    return;
  }
  await q.db.insert(r).values({ userId, startId: id, endId: id });
}

async function receivedBetween(q: Q, userId: number, lo: number, hi: number): Promise<boolean> {
  const m = q.t.messages;
  const rows = await q.db.select({ id: m.id }).from(m).where(and(sql`${m.id} > ${lo} AND ${m.id} < ${hi}`, receivedSql(q, userId))).limit(1);
  return rows.length > 0;
}

export async function sendMessage(deps: ActionDeps, realm: RealmRow, sender: UserRow, input: SendInput): Promise<{ id: number }> {
  const content = normalizeContent(input.content);
  const settings = messagingSettings(realm);
  let topic = "";
  if (input.type === "stream") {
    if (input.topic === undefined) throw errors.missing("topic");
    topic = normalizeTopic(input.topic);
    if (topic === settings.empty_topic_display_name) topic = "";
    if (!topic && settings.mandatory_topics) throw errors.badRequest("Topics are required in this organization.");
  }
  // Render before the transaction: the writer lock is never held across rendering.
  const lookups = await lookupsFor(deps.store, realm.id, content, realm);
  const rendered = renderMarkdown(content, lookups);
  // Realm-level data read before the transaction: the stream lock is held as briefly as possible.
  const alertWords = await renderSources.alertWords(deps.store, realm.id);
  const readBySender = input.readBySender ?? defaultReadBySender(input.client);

  return inTx(deps, async (tx) => {
    let stream: StreamRow | null = null;
    let recipients: number[];
    let dmGroupId: number | null = null;
    if (input.type === "stream") {
      if (input.to.length !== 1) throw errors.badRequest("Invalid channel");
      stream = await resolveStream(tx, realm.id, input.to[0]!);
      // The row lock orders this send against (un)subscriptions: watermarks stay exact.
      await lockStream(tx, stream.id);
      const sub = await subscriptionOf(tx, sender.id, stream.id);
      if (stream.isArchived || !canSeeStream(sender, stream, sub) || (isGuestRole(sender.role) && !sub?.active)) {
        throw errors.badRequest(`Not authorized to send to channel '${stream.name}'`);
      }
      if (!canPostByPolicy(sender, stream)) throw errors.badRequest("Only organization administrators can send to this channel.");
      recipients = await activeSubscriberIds(tx, stream.id);
    } else {
      if (!input.to.length) throw errors.badRequest("Message must have recipients");
      const users: UserRow[] = [];
      for (const x of input.to) users.push(await resolveUser(tx, realm.id, x));
      const ids = [...new Set([...users.map((u) => u.id), sender.id])];
      dmGroupId = await getOrCreateDmGroup(tx, realm.id, ids);
      recipients = ids;
    }
    const recipientSet = new Set(recipients);

    // Mentions become flags only for users who receive the message.
    const mentioned = new Set<number>([...rendered.mentionedUserIds].filter((id) => recipientSet.has(id)));
    if (rendered.mentionedGroupIds.size) {
      for (const id of await renderSources.groupMembers(tx, [...rendered.mentionedGroupIds])) if (recipientSet.has(id)) mentioned.add(id);
    }
    const alerted = new Set(alertWordMatches(alertWords, recipients.filter((id) => id !== sender.id), rendered.text));
    let wildcard: number = Wildcard.NONE;
    const topicParticipants = new Set<number>();
    if (stream && rendered.wildcard === "stream") {
      if (!wildcardAllowed(sender, settings.wildcard_mention_policy, recipients.length)) {
        throw new ApiError("STREAM_WILDCARD_MENTION_NOT_ALLOWED", "You do not have permission to use channel wildcard mentions in this channel.");
      }
      wildcard = Wildcard.STREAM;
    } else if (stream && rendered.wildcard === "topic") {
      const m = tx.t.messages;
      const rows = await tx.db
        .selectDistinct({ u: m.senderId })
        .from(m)
        .where(and(eq(m.streamId, stream.id), eq(m.topicKey, topic.toLowerCase())));
      for (const r of rows) if (recipientSet.has(r.u)) topicParticipants.add(r.u);
      if (!wildcardAllowed(sender, settings.wildcard_mention_policy, topicParticipants.size)) {
        throw new ApiError("TOPIC_WILDCARD_MENTION_NOT_ALLOWED", "You do not have permission to use topic wildcard mentions in this topic.");
      }
      wildcard = Wildcard.TOPIC;
    }

    const msg = await insertMessage(tx, {
      realmId: realm.id,
      senderId: sender.id,
      streamId: stream?.id ?? null,
      dmGroupId,
      topic,
      topicKey: topic.toLowerCase(),
      content,
      renderedContent: rendered.html,
      searchText: htmlToText(rendered.html),
      client: input.client,
      dateSent: deps.now(),
      isMeMessage: rendered.isMeMessage,
      hasLink: rendered.hasLink,
      hasImage: rendered.hasImage,
      hasAttachment: rendered.hasAttachment,
      wildcard,
    });
    // Uploads: link the /user_uploads paths this message references, in this transaction.
    await linkMessageAttachments(tx, { realmId: realm.id, messageId: msg.id, senderId: sender.id, uploadPaths: rendered.uploadPaths, now: deps.now() });
    if (stream && stream.firstMessageId === null) {
      await updateStream(tx, stream.id, { firstMessageId: msg.id });
      tx.notify(
        { type: "stream", op: "update", stream_id: stream.id, name: stream.name, property: "first_message_id", value: msg.id },
        await usersWhoCanSeeStream(tx, stream),
        realm.id,
      );
    }

    const bits = new Map<number, number>();
    for (const id of mentioned) bits.set(id, (bits.get(id) ?? 0) | FlagBit.mentioned);
    for (const id of topicParticipants) bits.set(id, (bits.get(id) ?? 0) | FlagBit.topic_wildcard_mentioned);
    for (const id of alerted) bits.set(id, (bits.get(id) ?? 0) | FlagBit.has_alert_word);
    await insertFlagRows(tx, [...bits].map(([userId, b]) => ({ userId, messageId: msg.id, bits: b })));
    if (readBySender) {
      await lockUser(tx, sender.id);
      await markSentRead(tx, sender.id, msg.id);
    }

    // One envelope: the base flags are what most recipients get; only users whose flags
    // differ (the sender, the mentioned) get a per-user override.
    const allRecipients = [...new Set([...recipients, sender.id])];
    const baseFlags = wildcard === Wildcard.STREAM ? ["stream_wildcard_mentioned", "wildcard_mentioned"] : [];
    const perUser: Record<number, Record<string, unknown>> = {};
    const flagsOf = (uid: number) => {
      const b = bits.get(uid) ?? 0;
      const f: string[] = [];
      if (uid === sender.id && readBySender) f.push("read");
      if (b & FlagBit.mentioned) f.push("mentioned");
      if (wildcard === Wildcard.STREAM) f.push("stream_wildcard_mentioned");
      if (b & FlagBit.topic_wildcard_mentioned) f.push("topic_wildcard_mentioned");
      if (wildcard === Wildcard.STREAM || b & FlagBit.topic_wildcard_mentioned) f.push("wildcard_mentioned");
      if (b & FlagBit.has_alert_word) f.push("has_alert_word");
      return f;
    };
    for (const uid of new Set([sender.id, ...bits.keys()])) {
      const f = flagsOf(uid);
      if (f.join() !== baseFlags.join()) perUser[uid] = { flags: f };
    }
    const obj = await newMessageObject(tx, realm, sender, msg, stream, lookups.linkifiers ?? [], deps.config);
    // Jobs integration (docs/jobs.md): missed-message emails and outgoing webhooks are
    // queued in this transaction, so they exist iff the message commits.
    await queueMessageNotifications(tx, deps, {
      realm, sender, msg, recipients, mentioned, mentionedAnywhere: rendered.mentionedUserIds,
      topicWildcardUsers: topicParticipants, messageObject: obj!,
    });
    tx.notifyEnvelope({
      event: { type: "message", message: obj!, flags: baseFlags },
      userIds: allRecipients,
      realmId: realm.id,
      perUser,
      // Zulip adds local_message_id only in the queue that sent the message.
      perQueue: input.localId !== undefined && input.queueId !== undefined ? { [input.queueId]: { userId: sender.id, fields: { local_message_id: input.localId } } } : undefined,
      // The event carries the HTML and the Gravatar URL; the event system makes the
      // apply_markdown=false / client_gravatar=true forms per queue (events/system.ts).
      rawContent: msg.content,
      // Only a Gravatar URL may be left to the client to compute: with Gravatar off (the
      // default) every sender has a URL of ours, and client_gravatar changes nothing.
      gravatarSender: sender.avatarSource !== "U" && deps.config.enableGravatar,
      publicStreamRealmId: stream && !stream.inviteOnly ? realm.id : undefined,
    });
    return { id: msg.id };
  });
}

/** The message object of a just-sent message, from what the send already holds (no extra queries for streams). */
async function newMessageObject(
  q: Q,
  realm: RealmRow,
  sender: UserRow,
  m: MessageRow,
  stream: StreamRow | null,
  linkifiers: MarkdownLookups["linkifiers"],
  config: { enableGravatar: boolean },
): Promise<Record<string, unknown>> {
  const o: Record<string, unknown> = {
    id: m.id,
    sender_id: sender.id,
    sender_email: sender.email,
    sender_full_name: sender.fullName,
    sender_realm_str: realm.stringId,
    avatar_url: avatarUrl(config, sender, false),
    client: m.client,
    type: stream ? "stream" : "private",
    recipient_id: recipientId(m),
    subject: m.topic,
    timestamp: Math.floor(m.dateSent.getTime() / 1000),
    content: m.renderedContent,
    content_type: "text/html",
    is_me_message: m.isMeMessage,
    reactions: [],
    submessages: [],
    topic_links: [],
  };
  if (stream) {
    o.stream_id = stream.id;
    o.display_recipient = stream.name;
    o.topic_links = renderTopicLinks(m.topic, linkifiers);
  } else {
    const ids = (await dmGroupMembers(q, [m.dmGroupId!])).get(m.dmGroupId!) ?? [];
    const users = await q.db.select().from(q.t.users).where(inArray(q.t.users.id, ids));
    o.display_recipient = users
      .sort((a, b) => a.id - b.id)
      .map((u) => ({ id: u.id, email: u.email, full_name: u.fullName, is_mirror_dummy: false }));
  }
  return o;
}

// ---------------------------------------------------------------- read

export interface GetMessagesInput {
  anchor: "newest" | "oldest" | "first_unread" | number;
  includeAnchor: boolean;
  numBefore: number;
  numAfter: number;
  narrow: NarrowTerm[];
  applyMarkdown: boolean;
  clientGravatar: boolean;
  messageIds?: number[];
}

export async function getMessages(deps: ActionDeps, realm: RealmRow, user: UserRow, input: GetMessagesInput) {
  const q = deps.store;
  const settings = messagingSettings(realm);
  const resolved = await resolveNarrow(q, user, input.narrow, settings.empty_topic_display_name);
  const where = narrowSql(q, resolved.access, resolved.conds);
  const opts = { applyMarkdown: input.applyMarkdown, clientGravatar: input.clientGravatar, enableGravatar: deps.config.enableGravatar, search: resolved.search };

  if (input.messageIds) {
    const ids = await matchingIds(q, where, input.messageIds);
    const rows = await messagesByIds(q, ids);
    return { messages: await messageObjects(q, realm, user, rows, opts), history_limited: false };
  }
  if (input.numBefore < 0 || input.numAfter < 0) throw errors.badRequest("num_before and num_after must be non-negative");
  if (input.numBefore + input.numAfter > 5000) throw errors.badRequest("Too many messages requested (maximum 5000).");

  let anchor: number;
  if (input.anchor === "newest") anchor = LARGER_THAN_MAX_MESSAGE_ID;
  else if (input.anchor === "oldest") anchor = 0;
  else if (input.anchor === "first_unread") {
    const first = await firstMatchingId(q, and(where, receivedSql(q, user.id), sql`NOT ${readSql(q, user.id)}`)!);
    anchor = first ?? LARGER_THAN_MAX_MESSAGE_ID;
  } else anchor = input.anchor;

  const [before, at, after] = await Promise.all([
    fetchSide(q, where, anchor, "before", input.numBefore + 1),
    input.includeAnchor ? fetchExact(q, where, anchor) : Promise.resolve(undefined),
    fetchSide(q, where, anchor, "after", input.numAfter + 1),
  ]);
  const foundOldest = before.length <= input.numBefore;
  const foundNewest = after.length <= input.numAfter;
  const rows = [...before.slice(0, input.numBefore).reverse(), ...(at ? [at] : []), ...after.slice(0, input.numAfter)];
  return {
    messages: await messageObjects(q, realm, user, rows, opts),
    anchor,
    found_anchor: !!at,
    found_oldest: foundOldest,
    found_newest: foundNewest,
    history_limited: false,
  };
}

export async function getMessage(deps: ActionDeps, realm: RealmRow, user: UserRow, id: number, applyMarkdown: boolean) {
  const m = await accessMessage(deps.store, user, id);
  const [obj] = await messageObjects(deps.store, realm, user, [m], { applyMarkdown, clientGravatar: false, enableGravatar: deps.config.enableGravatar });
  return { message: obj!, raw_content: m.content };
}

export async function matchesNarrow(deps: ActionDeps, realm: RealmRow, user: UserRow, ids: number[], narrow: NarrowTerm[]) {
  const q = deps.store;
  const resolved = await resolveNarrow(q, user, narrow, messagingSettings(realm).empty_topic_display_name);
  const matched = await matchingIds(q, narrowSql(q, resolved.access, resolved.conds), ids);
  const rows = await messagesByIds(q, matched);
  const objs = await messageObjects(q, realm, user, rows, { applyMarkdown: true, clientGravatar: true, search: resolved.search ?? "" });
  const out: Record<string, { match_content: string; match_subject: string }> = {};
  for (const o of objs) out[String(o.id)] = { match_content: o.match_content as string, match_subject: o.match_subject as string };
  return { messages: out };
}

export async function renderPreview(deps: ActionDeps, realm: RealmRow, content: string) {
  const r = await renderForRealm(deps.store, realm.id, content);
  return { rendered: r.html };
}

// ---------------------------------------------------------------- who may know about a message

/**
 * Users whose clients may hold this message: its DM participants, or for a stream message
 * the sender, everyone whose subscription interval covers it, and the current subscribers
 * (who can read the stream's history). Update/delete/reaction events go to exactly these.
 */
export async function messageAudience(q: Q, m: MessageRow): Promise<number[]> {
  if (m.dmGroupId !== null) return (await dmGroupMembers(q, [m.dmGroupId])).get(m.dmGroupId) ?? [];
  const si = q.t.subscriptionIntervals;
  const covering = await q.db
    .selectDistinct({ u: si.userId })
    .from(si)
    .where(and(eq(si.streamId, m.streamId!), lte(si.startId, m.id), or(isNull(si.endId), gte(si.endId, m.id))));
  const s = (await streamById(q, m.realmId, m.streamId!))!;
  const current = await activeSubscriberIds(q, s.id);
  const historyReaders = !s.inviteOnly || s.historyPublicToSubscribers ? current : [];
  return [...new Set([m.senderId, ...covering.map((r) => r.u), ...historyReaders])];
}

/** Users who received message m (for read receipts). */
export async function receiversOf(q: Q, m: MessageRow): Promise<number[]> {
  if (m.dmGroupId !== null) return (await dmGroupMembers(q, [m.dmGroupId])).get(m.dmGroupId) ?? [];
  const si = q.t.subscriptionIntervals;
  const rows = await q.db
    .selectDistinct({ u: si.userId })
    .from(si)
    .where(and(eq(si.streamId, m.streamId!), lte(si.startId, m.id), or(isNull(si.endId), gte(si.endId, m.id))));
  return [...new Set([m.senderId, ...rows.map((r) => r.u)])];
}

export async function readReceipts(deps: ActionDeps, realm: RealmRow, user: UserRow, id: number) {
  if (!messagingSettings(realm).enable_read_receipts) throw errors.badRequest("Read receipts are disabled in this organization.");
  const m = await accessMessage(deps.store, user, id);
  const candidates = (await receiversOf(deps.store, m)).filter((u) => u !== m.senderId);
  const readers = await readersOf(deps.store, m.id, candidates);
  const u = deps.store.t.users;
  const active = readers.length
    ? (await deps.store.db.select({ id: u.id, s: u.settings }).from(u).where(and(inArray(u.id, readers), eq(u.isActive, true))))
        .filter((r) => (r.s as Record<string, unknown>)?.send_read_receipts !== false)
        .map((r) => r.id)
    : [];
  return { user_ids: active.sort((a, b) => a - b) };
}

