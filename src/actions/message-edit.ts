// Editing, moving and deleting messages, and their history. Every prior version of the
// content, topic and stream is kept in message_edits (the security model's promise).
import { eq, inArray } from "drizzle-orm";
import type { ActionDeps } from "./deps.ts";
import { inTx, type ActionTx } from "./tx.ts";
import type { Q } from "../db/types.ts";
import type { RealmRow } from "../db/repo/realms.ts";
import type { UserRow } from "../db/repo/users.ts";
import {
  deleteMessages, editsOf, insertEdits, messagesByIds, readersOf, readIntervalsOf, setFlagBit, topicMessageIds,
  updateMessage, updateMessages, type MessageRow,
} from "../db/repo/messages.ts";
import { lockStream, streamById, subscriptionOf, type StreamRow } from "../db/repo/streams.ts";
import { ApiError, errors } from "../domain/errors.ts";
import { FlagBit, Wildcard, flagNames } from "../domain/flags.ts";
import { isAdminRole, isModeratorOrAbove, isGuestRole } from "../domain/roles.ts";
import { MAX_MESSAGE_LENGTH, MAX_TOPIC_LENGTH, messagingSettings } from "../domain/messaging-settings.ts";
import { renderMarkdown } from "../markdown/index.ts";
import { htmlToText, lookupsFor, topicLinks } from "./render.ts";
import { accessMessage } from "./message-access.ts";
import { messageAudience, receiversOf } from "./messages.ts";
import { canPostByPolicy, canSeeStream, usersWhoCanSeeStream } from "./stream-access.ts";
import { contains } from "../domain/intervals.ts";

export type PropagateMode = "change_one" | "change_later" | "change_all";

export interface EditInput {
  content?: string;
  topic?: string;
  streamId?: number;
  propagateMode: PropagateMode;
  notifyOld: boolean;
  notifyNew: boolean;
}

const secs = (d: Date) => Math.floor(d.getTime() / 1000);

function timeLimitError(kind: "edit" | "move") {
  return kind === "edit"
    ? errors.badRequest("The time limit for editing this message's content has passed.")
    : new ApiError("MOVE_MESSAGES_TIME_LIMIT_EXCEEDED", "You only have permission to move the messages within the time limit.", {
        first_message_id_allowed_to_move: null,
        total_messages_in_topic: 0,
        total_messages_allowed_to_move: 0,
      });
}

/** Per-user flags for the users in `userIds` on message m: one base list plus overrides, in four queries. */
async function flagsEnvelope(q: Q, m: MessageRow, userIds: number[]) {
  const readers = new Set(await readersOf(q, m.id, userIds));
  const rows = await q.db.select().from(q.t.messageFlags).where(eq(q.t.messageFlags.messageId, m.id));
  const bits = new Map(rows.map((r) => [r.userId, r.bits]));
  const got = new Set(await receiversOf(q, m));
  const perUser: Record<number, { flags: string[] }> = {};
  const list = new Map<number, string[]>();
  for (const u of userIds) {
    const b = bits.get(u) ?? 0;
    const received = got.has(u) || (b & FlagBit.historical) !== 0;
    list.set(u, received ? flagNames(b, readers.has(u), m.wildcard === Wildcard.STREAM) : flagNames(b | FlagBit.historical, true, false));
  }
  const counts = new Map<string, number>();
  for (const f of list.values()) counts.set(f.join(","), (counts.get(f.join(",")) ?? 0) + 1);
  const baseKey = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? "";
  for (const [u, f] of list) if (f.join(",") !== baseKey) perUser[u] = { flags: f };
  return { base: baseKey ? baseKey.split(",") : [], perUser };
}

export async function editMessage(deps: ActionDeps, realm: RealmRow, user: UserRow, id: number, input: EditInput) {
  const settings = messagingSettings(realm);
  const q0 = deps.store;
  await accessMessage(q0, user, id);
  if (input.content === undefined && input.topic === undefined && input.streamId === undefined) {
    throw errors.badRequest("Nothing to change");
  }
  let rendered: ReturnType<typeof renderMarkdown> | null = null;
  let content: string | undefined;
  if (input.content !== undefined) {
    content = input.content.replace(/\s+$/, "");
    if (content.length > MAX_MESSAGE_LENGTH) content = content.slice(0, MAX_MESSAGE_LENGTH - 20) + "\n[message truncated]";
    rendered = renderMarkdown(content || "(deleted)", await lookupsFor(q0, realm.id, content));
  }
  return inTx(deps, async (tx) => {
    const m = (await messagesByIds(tx, [id]))[0]!;
    const now = deps.now();
    const age = (now.getTime() - m.dateSent.getTime()) / 1000;
    // ---- permission checks
    if (content !== undefined) {
      if (!settings.allow_message_editing) throw errors.badRequest("Your organization has turned off message editing");
      if (m.senderId !== user.id) throw errors.badRequest("You don't have permission to edit this message");
      const limit = settings.message_content_edit_limit_seconds;
      if (limit !== null && age > limit + 20) throw timeLimitError("edit");
    }
    let newTopic: string | undefined;
    if (input.topic !== undefined) {
      if (m.streamId === null) throw errors.badRequest("Direct messages cannot have topics.");
      // eslint-disable-next-line no-control-regex
      newTopic = input.topic.replace(/[\u0000-\u001f\u007f]/g, "").trim();
      if (newTopic.length > MAX_TOPIC_LENGTH) newTopic = newTopic.slice(0, MAX_TOPIC_LENGTH - 1) + "…";
      if (newTopic === settings.empty_topic_display_name) newTopic = "";
      if (newTopic === m.topic) newTopic = undefined;
    }
    let newStream: StreamRow | undefined;
    if (input.streamId !== undefined && input.streamId !== m.streamId) {
      if (m.streamId === null) throw errors.badRequest("Direct messages cannot be moved to channels.");
      const s = await streamById(tx, realm.id, input.streamId);
      const sub = s ? await subscriptionOf(tx, user.id, s.id) : undefined;
      if (!s || !canSeeStream(user, s, sub) || s.isArchived) throw errors.badRequest("Invalid channel ID");
      if (!canPostByPolicy(user, s) || (isGuestRole(user.role) && !sub?.active)) throw errors.badRequest("You don't have permission to move this message");
      newStream = s;
    }
    if (newTopic !== undefined || newStream) {
      const mayMove = isModeratorOrAbove(user.role) || (settings.members_can_move_topics && !isGuestRole(user.role)) || m.senderId === user.id;
      if (!mayMove) throw errors.badRequest("You don't have permission to edit this message");
      const limit = newStream ? settings.move_messages_between_streams_limit_seconds : settings.move_messages_within_stream_limit_seconds;
      if (!isModeratorOrAbove(user.role) && limit !== null && age > limit) throw timeLimitError("move");
    }
    if (content === undefined && newTopic === undefined && !newStream) return { detached_uploads: [] };

    // ---- which messages move
    let ids = [m.id];
    if ((newTopic !== undefined || newStream) && input.propagateMode !== "change_one") {
      ids = await topicMessageIds(tx, m.streamId!, m.topicKey, input.propagateMode === "change_later" ? m.id : 0);
    }
    const rows = await messagesByIds(tx, ids);
    const oldStream = m.streamId !== null ? (await streamById(tx, realm.id, m.streamId))! : null;
    const oldAudience = new Set(await messageAudience(tx, m));

    // ---- write
    if (newStream) {
      await lockStream(tx, newStream.id);
    }
    const edits = rows.map((r) => ({
      messageId: r.id,
      userId: user.id,
      editTime: now,
      prevContent: r.id === m.id && content !== undefined ? r.content : null,
      prevRenderedContent: r.id === m.id && content !== undefined ? r.renderedContent : null,
      prevTopic: newTopic !== undefined ? r.topic : null,
      topic: newTopic !== undefined ? newTopic : null,
      prevStreamId: newStream ? r.streamId : null,
      streamId: newStream ? newStream.id : null,
    }));
    await insertEdits(tx, edits);
    if (content !== undefined && rendered) {
      await updateMessage(tx, m.id, {
        content,
        renderedContent: rendered.html,
        searchText: htmlToText(rendered.html),
        isMeMessage: rendered.isMeMessage,
        hasLink: rendered.hasLink,
        hasImage: rendered.hasImage,
        hasAttachment: rendered.hasAttachment,
        lastEditTime: now,
      });
      // Uploads: rendered.uploadPaths are the paths the edited content references; the
      // attachments area relinks message m.id here (and reports detached_uploads).
      // Mentions follow the content: new mentions flag their users, removed ones unflag.
      const audience = new Set(oldAudience);
      const before = new Map((await tx.db.select().from(tx.t.messageFlags).where(eq(tx.t.messageFlags.messageId, m.id))).map((r) => [r.userId, r.bits]));
      for (const [u, b] of before) if (b & FlagBit.mentioned && !rendered.mentionedUserIds.has(u)) await setFlagBit(tx, u, [m.id], FlagBit.mentioned, false);
      for (const u of rendered.mentionedUserIds) if (audience.has(u) && !((before.get(u) ?? 0) & FlagBit.mentioned)) await setFlagBit(tx, u, [m.id], FlagBit.mentioned, true);
    }
    if (newTopic !== undefined || newStream) {
      await updateMessages(tx, ids, {
        ...(newTopic !== undefined ? { topic: newTopic, topicKey: newTopic.toLowerCase() } : {}),
        ...(newStream ? { streamId: newStream.id } : {}),
        lastMovedTime: now,
      });
      if (newStream && newStream.firstMessageId === null) {
        const first = Math.min(...ids);
        await tx.db.update(tx.t.streams).set({ firstMessageId: first }).where(eq(tx.t.streams.id, newStream.id));
        tx.notify(
          { type: "stream", op: "update", stream_id: newStream.id, name: newStream.name, property: "first_message_id", value: first },
          await usersWhoCanSeeStream(tx, newStream),
          realm.id,
        );
      }
    }

    // ---- events
    const fresh = (await messagesByIds(tx, [m.id]))[0]!;
    const newAudience = new Set(await messageAudience(tx, fresh));
    let audience = [...new Set([...oldAudience, ...newAudience])];
    const lost: number[] = [];
    if (newStream && newStream.inviteOnly) {
      // Users who cannot see the new private stream learn only that the messages are gone.
      for (const u of oldAudience) if (!newAudience.has(u)) lost.push(u);
      audience = [...newAudience];
    }
    const { base, perUser } = await flagsEnvelope(tx, fresh, audience);
    const event: Record<string, unknown> = {
      type: "update_message",
      user_id: user.id,
      rendering_only: false,
      message_id: m.id,
      message_ids: [...ids].sort((a, b) => a - b),
      flags: base,
      edit_timestamp: secs(now),
    };
    if (content !== undefined && rendered) {
      Object.assign(event, {
        orig_content: m.content,
        orig_rendered_content: m.renderedContent,
        content,
        rendered_content: rendered.html,
        is_me_message: rendered.isMeMessage,
      });
    }
    if (m.streamId !== null) {
      event.stream_name = oldStream!.name;
      event.stream_id = m.streamId;
    }
    if (newTopic !== undefined || newStream) {
      event.propagate_mode = input.propagateMode;
      event.orig_subject = m.topic;
      if (newTopic !== undefined) {
        event.subject = newTopic;
        event.topic_links = await topicLinks(tx, realm.id, newTopic);
      }
      if (newStream) event.new_stream_id = newStream.id;
    }
    tx.notifyEnvelope({ event: event as never, userIds: audience, realmId: realm.id, perUser });
    if (lost.length) notifyDeleted(tx, realm.id, rows.map((r) => ({ ...r })), lost);
    if (newStream) await notifyReceiptChanges(tx, realm.id, rows, m.streamId!, newStream.id, newTopic ?? m.topic);
    // Notification messages to the old/new thread need the notification bot (not built yet).
    return { detached_uploads: [] };
  });
}

/**
 * After a move between streams, who "received" a message follows the destination stream's
 * subscription intervals (docs/storage.md). Users for whom that changes get the flag
 * events that describe it, so their unread counts stay exact: read for those who no longer
 * received it, unread (with message_details) for those who now do and never read it.
 */
async function notifyReceiptChanges(tx: ActionTx, realmId: number, rows: MessageRow[], fromStream: number, toStream: number, topic: string) {
  const si = tx.t.subscriptionIntervals;
  const ivs = await tx.db.select().from(si).where(inArray(si.streamId, [fromStream, toStream]));
  const covering = (streamId: number, id: number) =>
    new Set(ivs.filter((iv) => iv.streamId === streamId && iv.startId <= id && (iv.endId === null || iv.endId >= id)).map((iv) => iv.userId));
  const lost = new Map<number, number[]>();
  const gained = new Map<number, number[]>();
  for (const r of rows) {
    const before = covering(fromStream, r.id);
    const after = covering(toStream, r.id);
    for (const u of before) if (!after.has(u) && u !== r.senderId) lost.set(u, [...(lost.get(u) ?? []), r.id]);
    for (const u of after) if (!before.has(u) && u !== r.senderId) gained.set(u, [...(gained.get(u) ?? []), r.id]);
  }
  for (const [u, ids] of lost) {
    const read = await readIntervalsOf(tx, u);
    const wasUnread = ids.filter((id) => !contains(read, id));
    if (wasUnread.length) tx.notify({ type: "update_message_flags", op: "add", operation: "add", flag: "read", messages: wasUnread, all: false }, [u], realmId);
  }
  for (const [u, ids] of gained) {
    const read = await readIntervalsOf(tx, u);
    const unread = ids.filter((id) => !contains(read, id));
    if (!unread.length) continue;
    const sub = await subscriptionOf(tx, u, toStream);
    const details = Object.fromEntries(unread.map((id) => [String(id), { type: "stream", stream_id: toStream, topic, unmuted_stream_msg: !sub?.isMuted }]));
    tx.notify({ type: "update_message_flags", op: "remove", operation: "remove", flag: "read", messages: unread, all: false, message_details: details }, [u], realmId);
  }
}

function notifyDeleted(tx: ActionTx, realmId: number, rows: MessageRow[], userIds: number[]) {
  if (!rows.length || !userIds.length) return;
  const m = rows[0]!;
  tx.notify(
    m.streamId !== null
      ? { type: "delete_message", message_type: "stream", message_ids: rows.map((r) => r.id), stream_id: m.streamId, topic: m.topic }
      : { type: "delete_message", message_type: "private", message_ids: rows.map((r) => r.id) },
    userIds,
    realmId,
  );
}

/** Deletes messages of one conversation (one stream topic or one DM group), with their events. */
export async function deleteMessagesInTx(tx: ActionTx, realmId: number, rows: MessageRow[]) {
  const byConversation = new Map<string, MessageRow[]>();
  for (const r of rows) {
    const k = r.streamId !== null ? `s${r.streamId}:${r.topicKey}` : `d${r.dmGroupId}`;
    byConversation.set(k, [...(byConversation.get(k) ?? []), r]);
  }
  const audiences = new Map<string, number[]>();
  for (const [k, list] of byConversation) audiences.set(k, await messageAudience(tx, list[0]!));
  await deleteMessages(tx, rows.map((r) => r.id));
  for (const [k, list] of byConversation) notifyDeleted(tx, realmId, list, audiences.get(k)!);
}

export async function deleteMessage(deps: ActionDeps, realm: RealmRow, user: UserRow, id: number) {
  const settings = messagingSettings(realm);
  return inTx(deps, async (tx) => {
    const m = await accessMessage(tx, user, id);
    if (!isAdminRole(user.role)) {
      if (m.senderId !== user.id || !settings.allow_delete_own_message) throw errors.badRequest("You don't have permission to delete this message");
      const limit = settings.message_content_delete_limit_seconds;
      if (limit !== null && (deps.now().getTime() - m.dateSent.getTime()) / 1000 > limit) {
        throw errors.badRequest("The time limit for deleting this message has passed");
      }
    }
    await deleteMessagesInTx(tx, realm.id, [m]);
    return {};
  });
}

export async function messageHistory(deps: ActionDeps, realm: RealmRow, user: UserRow, id: number) {
  if (!messagingSettings(realm).allow_edit_history) throw errors.badRequest("Message edit history is disabled in this organization");
  const q = deps.store;
  const m = await accessMessage(q, user, id);
  const edits = await editsOf(q, [m.id]);
  // Walk back from the current state to the original, then emit oldest first.
  let content = m.content, rendered = m.renderedContent, topic = m.topic, stream = m.streamId;
  const entries: Record<string, unknown>[] = [];
  for (const e of [...edits].reverse()) {
    const entry: Record<string, unknown> = { timestamp: secs(e.editTime), user_id: e.userId, topic, content, rendered_content: rendered };
    if (e.prevTopic !== null) entry.prev_topic = e.prevTopic;
    if (e.prevStreamId !== null) {
      entry.stream = stream;
      entry.prev_stream = e.prevStreamId;
    }
    if (e.prevContent !== null) {
      entry.prev_content = e.prevContent;
      entry.prev_rendered_content = e.prevRenderedContent;
      entry.content_html_diff = rendered;
      content = e.prevContent;
      rendered = e.prevRenderedContent ?? rendered;
    }
    if (e.prevTopic !== null) topic = e.prevTopic;
    if (e.prevStreamId !== null) stream = e.prevStreamId;
    entries.push(entry);
  }
  entries.push({ timestamp: secs(m.dateSent), user_id: m.senderId, topic, content, rendered_content: rendered });
  return { message_history: entries.reverse() };
}

