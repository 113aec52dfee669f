// /register message keys: max_message_id, unread_msgs, starred_messages,
// recent_private_conversations; and how message, flag, edit and delete events apply.
import type { StateProvider } from "./types.ts";
import {
  addUnread, maxReceivedMessageId, recentPrivateConversations, removeUnread, sortUnread, starredMessages, unreadMsgs,
} from "../../actions/unreads.ts";

type Obj = Record<string, any>;
const MENTION_FLAGS = ["mentioned", "stream_wildcard_mentioned", "topic_wildcard_mentioned", "wildcard_mentioned"];

export const messagesProvider: StateProvider = {
  name: "messages",
  fetchTypes: ["message", "update_message_flags", "starred_messages", "recent_private_conversations"],
  async fetch(ctx, want) {
    const q = ctx.deps.store;
    const out: Record<string, unknown> = {};
    if (want("message")) out.max_message_id = await maxReceivedMessageId(q, ctx.user);
    if (want("message") && want("update_message_flags")) out.unread_msgs = await unreadMsgs(q, ctx.user);
    if (want("starred_messages")) out.starred_messages = await starredMessages(q, ctx.user.id);
    if (want("recent_private_conversations")) out.recent_private_conversations = await recentPrivateConversations(q, ctx.user.id);
    return out;
  },
  apply(state, event, ctx) {
    const s = state as Obj;
    const e = event as Obj;
    const self = ctx.user.id;
    if (e.type === "message") {
      const m = e.message as Obj;
      const flags = (e.flags ?? []) as string[];
      if (s.max_message_id !== undefined) s.max_message_id = Math.max(s.max_message_id, m.id);
      const members = m.type === "private" ? (m.display_recipient as Obj[]).map((u) => u.id as number) : null;
      if (s.unread_msgs && !flags.includes("read")) {
        addUnread(s.unread_msgs, self, {
          id: m.id,
          streamId: m.type === "stream" ? m.stream_id : null,
          topic: m.subject,
          members,
          mentioned: flags.some((f) => MENTION_FLAGS.includes(f)),
        });
        sortUnread(s.unread_msgs);
      }
      if (s.recent_private_conversations && members) {
        const others = members.filter((u) => u !== self).sort((a, b) => a - b);
        const key = others.join(",");
        const rest = (s.recent_private_conversations as Obj[]).filter((c) => [...c.user_ids].sort((a: number, b: number) => a - b).join(",") !== key);
        rest.unshift({ max_message_id: m.id, user_ids: others });
        s.recent_private_conversations = rest.sort((a, b) => b.max_message_id - a.max_message_id);
      }
      if (s.starred_messages && flags.includes("starred")) s.starred_messages = [...new Set([...s.starred_messages, m.id])].sort((a, b) => a - b);
      return true;
    }
    if (e.type === "update_message_flags") {
      const ids = e.messages as number[];
      if (e.flag === "read" && s.unread_msgs) {
        if (e.op === "add") removeUnread(s.unread_msgs, ids);
        else {
          for (const id of ids) {
            const d = (e.message_details ?? {})[String(id)] as Obj | undefined;
            if (!d) continue;
            addUnread(s.unread_msgs, self, {
              id,
              streamId: d.type === "stream" ? d.stream_id : null,
              topic: d.topic ?? "",
              members: d.type === "private" ? [...d.user_ids, self] : null,
              mentioned: !!d.mentioned,
            });
          }
          sortUnread(s.unread_msgs);
        }
      }
      if (e.flag === "starred" && s.starred_messages) {
        s.starred_messages =
          e.op === "add" ? [...new Set([...s.starred_messages, ...ids])].sort((a, b) => a - b) : s.starred_messages.filter((id: number) => !ids.includes(id));
      }
      return true;
    }
    if (e.type === "update_message") {
      const u = s.unread_msgs as Obj | undefined;
      if (u && (e.subject !== undefined || e.new_stream_id !== undefined)) {
        const moved = new Set(e.message_ids as number[]);
        const streamId = e.new_stream_id ?? e.stream_id;
        const carried: { id: number; mentioned: boolean }[] = [];
        for (const entry of u.streams as Obj[]) {
          for (const id of entry.unread_message_ids as number[]) if (moved.has(id)) carried.push({ id, mentioned: u.mentions.includes(id) });
        }
        removeUnread(u, carried.map((c) => c.id));
        for (const c of carried) {
          addUnread(u, self, { id: c.id, streamId, topic: e.subject ?? e.orig_subject, members: null, mentioned: c.mentioned });
        }
        sortUnread(u);
      }
      if (u && e.content !== undefined) {
        const unread = [...u.streams, ...u.pms, ...u.huddles].some((x: Obj) => x.unread_message_ids.includes(e.message_id));
        const mentioned = (e.flags as string[]).some((f) => MENTION_FLAGS.includes(f));
        if (unread && mentioned && !u.mentions.includes(e.message_id)) u.mentions = [...u.mentions, e.message_id].sort((a: number, b: number) => a - b);
        if (!mentioned) u.mentions = u.mentions.filter((id: number) => id !== e.message_id);
      }
      return true;
    }
    if (e.type === "delete_message") {
      const ids = (e.message_ids as number[] | undefined) ?? [e.message_id as number];
      if (s.unread_msgs) removeUnread(s.unread_msgs, ids);
      if (s.starred_messages) s.starred_messages = s.starred_messages.filter((id: number) => !ids.includes(id));
      return true;
    }
    if (e.type === "reaction") return true;
    return false;
  },
};
