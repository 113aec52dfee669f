// The /register message keys computed from Hearth's storage: unread_msgs (capped at
// 50,000 with old_unreads_missing, as Zulip), starred_messages, recent_private_conversations
// and max_message_id.
import { and, desc, eq } from "drizzle-orm";
import type { Q } from "../db/types.ts";
import type { UserRow } from "../db/repo/users.ts";
import { dmGroupMembers, messageIdsWithBit, readIntervalsOf, receivedSql, recentDmGroups, unreadRows } from "../db/repo/messages.ts";
import { FlagBit, Wildcard } from "../domain/flags.ts";

export const MAX_UNREAD_MESSAGES = 50_000;

type Obj = Record<string, any>;

/** The id up to which everything is read (the user's first read interval, when it starts at the bottom). */
async function readWatermark(q: Q, userId: number): Promise<number> {
  const ivs = await readIntervalsOf(q, userId);
  return ivs[0] && ivs[0][0] <= 1 ? ivs[0][1] : 0;
}

export async function unreadMsgs(q: Q, user: UserRow): Promise<Obj> {
  const rows = await unreadRows(q, user.id, user.realmId, await readWatermark(q, user.id), MAX_UNREAD_MESSAGES + 1);
  const missing = rows.length > MAX_UNREAD_MESSAGES;
  const kept = rows.slice(0, MAX_UNREAD_MESSAGES).reverse();
  const groups = await dmGroupMembers(q, [...new Set(kept.filter((r) => r.dmGroupId !== null).map((r) => r.dmGroupId!))]);
  const mentionedIds = new Set(await messageIdsWithBit(q, user.id, FlagBit.mentioned | FlagBit.topic_wildcard_mentioned));
  const state = emptyUnread();
  for (const r of kept) {
    addUnread(state, user.id, {
      id: r.id,
      streamId: r.streamId,
      topic: r.topic,
      members: r.dmGroupId !== null ? groups.get(r.dmGroupId)! : null,
      mentioned: mentionedIds.has(r.id) || r.wildcard === Wildcard.STREAM,
    });
  }
  state.old_unreads_missing = missing;
  return sortUnread(state);
}

export function emptyUnread(): Obj {
  return { count: 0, pms: [], streams: [], huddles: [], mentions: [], old_unreads_missing: false };
}

/** Adds one unread message to an unread_msgs structure (fetch and apply share this). */
export function addUnread(s: Obj, selfId: number, m: { id: number; streamId: number | null; topic: string; members: number[] | null; mentioned: boolean }) {
  const has = (l: Obj[]) => l.some((x) => x.unread_message_ids.includes(m.id));
  if (has(s.streams) || has(s.pms) || has(s.huddles)) return;
  if (m.streamId !== null) {
    let e = s.streams.find((x: Obj) => x.stream_id === m.streamId && x.topic === m.topic);
    if (!e) s.streams.push((e = { stream_id: m.streamId, topic: m.topic, unread_message_ids: [] }));
    e.unread_message_ids.push(m.id);
  } else {
    const members = [...new Set(m.members ?? [])].sort((a, b) => a - b);
    if (members.length <= 2) {
      const other = members.find((u) => u !== selfId) ?? selfId;
      let e = s.pms.find((x: Obj) => x.other_user_id === other);
      if (!e) s.pms.push((e = { other_user_id: other, sender_id: other, unread_message_ids: [] }));
      e.unread_message_ids.push(m.id);
    } else {
      const key = members.join(",");
      let e = s.huddles.find((x: Obj) => x.user_ids_string === key);
      if (!e) s.huddles.push((e = { user_ids_string: key, unread_message_ids: [] }));
      e.unread_message_ids.push(m.id);
    }
  }
  if (m.mentioned && !s.mentions.includes(m.id)) s.mentions.push(m.id);
  s.count += 1;
}

export function removeUnread(s: Obj, ids: number[]) {
  const drop = new Set(ids);
  for (const k of ["streams", "pms", "huddles"]) {
    for (const e of s[k] as Obj[]) {
      const before = e.unread_message_ids.length;
      e.unread_message_ids = e.unread_message_ids.filter((id: number) => !drop.has(id));
      s.count -= before - e.unread_message_ids.length;
    }
    s[k] = (s[k] as Obj[]).filter((e) => e.unread_message_ids.length > 0);
  }
  s.mentions = s.mentions.filter((id: number) => !drop.has(id));
}

export function sortUnread(s: Obj): Obj {
  const asc = (a: number, b: number) => a - b;
  for (const k of ["streams", "pms", "huddles"]) for (const e of s[k] as Obj[]) e.unread_message_ids.sort(asc);
  s.streams.sort((a: Obj, b: Obj) => a.stream_id - b.stream_id || (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
  s.pms.sort((a: Obj, b: Obj) => a.other_user_id - b.other_user_id);
  s.huddles.sort((a: Obj, b: Obj) => (a.user_ids_string < b.user_ids_string ? -1 : a.user_ids_string > b.user_ids_string ? 1 : 0));
  s.mentions.sort(asc);
  return s;
}

export async function starredMessages(q: Q, userId: number): Promise<number[]> {
  return messageIdsWithBit(q, userId, FlagBit.starred);
}

export async function recentPrivateConversations(q: Q, userId: number): Promise<Obj[]> {
  const recent = await recentDmGroups(q, userId, 1000);
  const members = await dmGroupMembers(q, recent.map((r) => r.groupId));
  return recent.map((r) => ({ max_message_id: r.maxId, user_ids: (members.get(r.groupId) ?? []).filter((u) => u !== userId) }));
}

export async function maxReceivedMessageId(q: Q, user: UserRow): Promise<number> {
  const m = q.t.messages;
  const rows = await q.db.select({ id: m.id }).from(m).where(and(eq(m.realmId, user.realmId), receivedSql(q, user.id))).orderBy(desc(m.id)).limit(1);
  return rows[0]?.id ?? -1;
}
