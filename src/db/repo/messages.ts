// Messages, DM groups, sparse flags, read intervals, reactions, edit history, and the SQL
// behind narrows and unread state (docs/storage.md explains each query).
import { and, asc, desc, eq, gt, gte, inArray, lt, lte, sql, type SQL } from "drizzle-orm";
import type { Q, Tables } from "../types.ts";
import type { NarrowCond } from "../../domain/narrow.ts";
import { FlagBit } from "../../domain/flags.ts";
import type { Interval } from "../../domain/intervals.ts";
import { hot } from "./streams.ts";

export type MessageRow = Tables["messages"]["$inferSelect"];
export type NewMessage = Tables["messages"]["$inferInsert"];
export type ReactionRow = Tables["reactions"]["$inferSelect"];
export type EditRow = Tables["messageEdits"]["$inferSelect"];

export async function insertMessage(q: Q, values: NewMessage): Promise<MessageRow> {
  const rows = await hot("insert_message", q.db.insert(q.t.messages).values(values).returning());
  return rows[0]!;
}

export async function messageById(q: Q, id: number): Promise<MessageRow | undefined> {
  const rows = await q.db.select().from(q.t.messages).where(eq(q.t.messages.id, id)).limit(1);
  return rows[0];
}

export async function messagesByIds(q: Q, ids: number[]): Promise<MessageRow[]> {
  if (!ids.length) return [];
  return q.db.select().from(q.t.messages).where(inArray(q.t.messages.id, ids)).orderBy(asc(q.t.messages.id));
}

export async function updateMessage(q: Q, id: number, values: Partial<NewMessage>): Promise<void> {
  await q.db.update(q.t.messages).set(values).where(eq(q.t.messages.id, id));
}

export async function updateMessages(q: Q, ids: number[], values: Partial<NewMessage>): Promise<void> {
  if (!ids.length) return;
  await q.db.update(q.t.messages).set(values).where(inArray(q.t.messages.id, ids));
}

export async function deleteMessages(q: Q, ids: number[]): Promise<void> {
  if (!ids.length) return;
  await q.db.delete(q.t.messages).where(inArray(q.t.messages.id, ids));
}

/** Message ids in a stream topic (case-insensitive), optionally from an id on. */
export async function topicMessageIds(q: Q, streamId: number, topicKey: string, fromId = 0, limit?: number): Promise<number[]> {
  let query = q.db
    .select({ id: q.t.messages.id })
    .from(q.t.messages)
    .where(and(eq(q.t.messages.streamId, streamId), eq(q.t.messages.topicKey, topicKey), gte(q.t.messages.id, fromId)))
    .orderBy(asc(q.t.messages.id))
    .$dynamic();
  if (limit) query = query.limit(limit);
  return (await query).map((r) => r.id);
}

export async function topicsOfStream(q: Q, streamId: number, access: SQL | null): Promise<{ name: string; maxId: number }[]> {
  const m = q.t.messages;
  // The newest message's spelling of the topic is the name Zulip reports.
  const rows = await q.db
    .select({ key: m.topicKey, maxId: sql<number>`max(${m.id})` })
    .from(m)
    .where(and(eq(m.streamId, streamId), access ?? undefined))
    .groupBy(m.topicKey)
    .orderBy(desc(sql`max(${m.id})`));
  if (!rows.length) return [];
  const names = await q.db
    .select({ id: m.id, topic: m.topic })
    .from(m)
    .where(inArray(m.id, rows.map((r) => Number(r.maxId))));
  const byId = new Map(names.map((n) => [n.id, n.topic]));
  return rows.map((r) => ({ name: byId.get(Number(r.maxId)) ?? r.key, maxId: Number(r.maxId) }));
}

// ---------------------------------------------------------------- DM groups

export async function dmGroupByKey(q: Q, realmId: number, key: string): Promise<{ id: number; size: number } | undefined> {
  const rows = await q.db
    .select({ id: q.t.dmGroups.id, size: q.t.dmGroups.size })
    .from(q.t.dmGroups)
    .where(and(eq(q.t.dmGroups.realmId, realmId), eq(q.t.dmGroups.userIdsKey, key)))
    .limit(1);
  return rows[0];
}

export const dmKey = (userIds: Iterable<number>) => [...new Set(userIds)].sort((a, b) => a - b).join(",");

export async function getOrCreateDmGroup(q: Q, realmId: number, userIds: number[]): Promise<number> {
  const ids = [...new Set(userIds)].sort((a, b) => a - b);
  const key = ids.join(",");
  const found = await dmGroupByKey(q, realmId, key);
  if (found) return found.id;
  const inserted = await q.db
    .insert(q.t.dmGroups)
    .values({ realmId, userIdsKey: key, size: ids.length })
    .onConflictDoNothing()
    .returning({ id: q.t.dmGroups.id });
  if (!inserted[0]) return (await dmGroupByKey(q, realmId, key))!.id;
  await q.db.insert(q.t.dmGroupMembers).values(ids.map((userId) => ({ groupId: inserted[0]!.id, userId })));
  return inserted[0].id;
}

/** group id → member ids */
export async function dmGroupMembers(q: Q, groupIds: number[]): Promise<Map<number, number[]>> {
  const out = new Map<number, number[]>();
  if (!groupIds.length) return out;
  const rows = await q.db
    .select()
    .from(q.t.dmGroupMembers)
    .where(inArray(q.t.dmGroupMembers.groupId, [...new Set(groupIds)]));
  for (const r of rows) {
    const l = out.get(r.groupId) ?? [];
    l.push(r.userId);
    out.set(r.groupId, l);
  }
  for (const l of out.values()) l.sort((a, b) => a - b);
  return out;
}

// ---------------------------------------------------------------- sparse flags

/** message id → bits, for one user */
export async function flagBits(q: Q, userId: number, messageIds: number[]): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (!messageIds.length) return out;
  const rows = await q.db
    .select()
    .from(q.t.messageFlags)
    .where(and(eq(q.t.messageFlags.userId, userId), inArray(q.t.messageFlags.messageId, messageIds)));
  for (const r of rows) out.set(r.messageId, r.bits);
  return out;
}

export async function insertFlagRows(q: Q, rows: { userId: number; messageId: number; bits: number }[]): Promise<void> {
  if (!rows.length) return;
  await q.db.insert(q.t.messageFlags).values(rows);
}

/** Sets or clears `bit` for (user, ids); rows whose bits become 0 are deleted. */
export async function setFlagBit(q: Q, userId: number, ids: number[], bit: number, on: boolean, extraOnSet = 0): Promise<void> {
  if (!ids.length) return;
  const existing = await flagBits(q, userId, ids);
  const f = q.t.messageFlags;
  const inserts: { userId: number; messageId: number; bits: number }[] = [];
  for (const id of ids) {
    const old = existing.get(id);
    if (old === undefined) {
      if (on) inserts.push({ userId, messageId: id, bits: bit | extraOnSet });
      continue;
    }
    const next = on ? old | bit | extraOnSet : old & ~bit;
    if (next === old) continue;
    if (next === 0) await q.db.delete(f).where(and(eq(f.userId, userId), eq(f.messageId, id)));
    else await q.db.update(f).set({ bits: next }).where(and(eq(f.userId, userId), eq(f.messageId, id)));
  }
  await insertFlagRows(q, inserts);
}

export async function messageIdsWithBit(q: Q, userId: number, bit: number): Promise<number[]> {
  const f = q.t.messageFlags;
  const rows = await q.db
    .select({ id: f.messageId })
    .from(f)
    .where(and(eq(f.userId, userId), sql`(${f.bits} & ${bit}) <> 0`))
    .orderBy(asc(f.messageId));
  return rows.map((r) => r.id);
}

// ---------------------------------------------------------------- read intervals

export async function readIntervalsOf(q: Q, userId: number): Promise<Interval[]> {
  const rows = await q.db
    .select({ s: q.t.readIntervals.startId, e: q.t.readIntervals.endId })
    .from(q.t.readIntervals)
    .where(eq(q.t.readIntervals.userId, userId))
    .orderBy(asc(q.t.readIntervals.startId));
  return rows.map((r) => [r.s, r.e] as Interval);
}

/** Rewrites a user's read set, touching only the intervals that changed. */
export async function replaceReadIntervals(q: Q, userId: number, before: Interval[], after: Interval[]): Promise<void> {
  const key = (i: Interval) => `${i[0]}:${i[1]}`;
  const keep = new Set(after.map(key));
  const had = new Set(before.map(key));
  const r = q.t.readIntervals;
  for (const iv of before) {
    if (!keep.has(key(iv))) await q.db.delete(r).where(and(eq(r.userId, userId), eq(r.startId, iv[0]), eq(r.endId, iv[1])));
  }
  const add = after.filter((iv) => !had.has(key(iv)));
  if (add.length) await q.db.insert(r).values(add.map(([s, e]) => ({ userId, startId: s, endId: e })));
}

/**
 * Serializes read-state changes of one user (Postgres row lock on the user). NO KEY UPDATE:
 * a send has already inserted its message (whose sender_id foreign key holds KEY SHARE on
 * this row) when it takes the lock; FOR UPDATE deadlocked two concurrent sends of one sender.
 */
export async function lockUser(q: Q, userId: number): Promise<void> {
  await q.dialect.all(q.db, sql`SELECT id FROM users WHERE id = ${userId}${q.dialect.forNoKeyUpdate()}`);
}

// ---------------------------------------------------------------- reactions

export async function reactionsFor(q: Q, messageIds: number[]): Promise<ReactionRow[]> {
  if (!messageIds.length) return [];
  return q.db.select().from(q.t.reactions).where(inArray(q.t.reactions.messageId, messageIds)).orderBy(asc(q.t.reactions.id));
}

export async function insertReaction(q: Q, v: Omit<ReactionRow, "id">): Promise<boolean> {
  const rows = await q.db.insert(q.t.reactions).values(v).onConflictDoNothing().returning({ id: q.t.reactions.id });
  return rows.length > 0;
}

export async function deleteReaction(q: Q, v: Omit<ReactionRow, "id">): Promise<boolean> {
  const r = q.t.reactions;
  const rows = await q.db
    .delete(r)
    .where(and(eq(r.messageId, v.messageId), eq(r.userId, v.userId), eq(r.emojiCode, v.emojiCode), eq(r.reactionType, v.reactionType)))
    .returning({ id: r.id });
  return rows.length > 0;
}

// ---------------------------------------------------------------- edit history

export async function insertEdits(q: Q, rows: Tables["messageEdits"]["$inferInsert"][]): Promise<void> {
  if (rows.length) await q.db.insert(q.t.messageEdits).values(rows);
}

export async function editsOf(q: Q, messageIds: number[]): Promise<EditRow[]> {
  if (!messageIds.length) return [];
  return q.db.select().from(q.t.messageEdits).where(inArray(q.t.messageEdits.messageId, messageIds)).orderBy(asc(q.t.messageEdits.id));
}

// ---------------------------------------------------------------- narrows

/**
 * Which messages a user may read in a query. `whole`: streams whose entire history this
 * query reads (public streams, or private ones with shared history the user is subscribed
 * to), given as ids or as "all public streams of the realm".
 */
export interface Access {
  userId: number;
  realmId: number;
  /**
   * "confined": the narrow itself confines results to one stream of this realm whose whole
   * history the user may read (a positive channel term), so no access test is needed.
   */
  whole: number[] | "public" | "confined";
}

/**
 * "The user received m" (Zulip's UserMessage row exists): sender, DM participant, inside a
 * subscription interval, or a historical flag row (starred/reacted without receiving).
 */
export function receivedSql(q: Q, userId: number): SQL {
  const m = q.t.messages;
  return sql`(${m.senderId} = ${userId}
    OR ${m.dmGroupId} IN (SELECT group_id FROM dm_group_members WHERE user_id = ${userId})
    OR EXISTS (SELECT 1 FROM subscription_intervals si WHERE si.user_id = ${userId} AND si.stream_id = ${m.streamId}
               AND si.start_id <= ${m.id} AND (si.end_id IS NULL OR si.end_id >= ${m.id}))
    OR EXISTS (SELECT 1 FROM message_flags hf WHERE hf.user_id = ${userId} AND hf.message_id = ${m.id} AND (hf.bits & ${FlagBit.historical}) <> 0))`;
}

export function readSql(q: Q, userId: number): SQL {
  const m = q.t.messages;
  return sql`EXISTS (SELECT 1 FROM read_intervals ri WHERE ri.user_id = ${userId} AND ri.start_id <= ${m.id} AND ri.end_id >= ${m.id})`;
}

export function accessSql(q: Q, a: Access): SQL {
  const m = q.t.messages;
  // No realm test either: the stream id was resolved in the user's realm. Leaving the
  // condition out lets the planner use (stream_id, id) instead of (realm_id, id).
  if (a.whole === "confined") return sql`1 = 1`;
  const whole =
    a.whole === "public"
      ? sql` OR ${m.streamId} IN (SELECT id FROM streams WHERE realm_id = ${a.realmId} AND invite_only = ${false})`
      : a.whole.length
        ? sql` OR ${inArray(m.streamId, a.whole)}`
        : sql``;
  return sql`${m.realmId} = ${a.realmId} AND (${receivedSql(q, a.userId)}${whole})`;
}

function mutedSql(q: Q, userId: number): SQL {
  const m = q.t.messages;
  return sql`(${m.streamId} IS NOT NULL AND (
      EXISTS (SELECT 1 FROM user_topics ut WHERE ut.user_id = ${userId} AND ut.stream_id = ${m.streamId} AND ut.topic_key = ${m.topicKey} AND ut.visibility_policy = 1)
      OR (EXISTS (SELECT 1 FROM subscriptions ms WHERE ms.user_id = ${userId} AND ms.stream_id = ${m.streamId} AND ms.is_muted = ${true})
          AND NOT EXISTS (SELECT 1 FROM user_topics ut2 WHERE ut2.user_id = ${userId} AND ut2.stream_id = ${m.streamId} AND ut2.topic_key = ${m.topicKey} AND ut2.visibility_policy IN (2, 3)))))`;
}

function condSql(q: Q, userId: number, c: NarrowCond): SQL {
  const m = q.t.messages;
  switch (c.kind) {
    case "stream": return sql`${m.streamId} = ${c.streamId}`;
    case "streamsIn": return c.streamIds.length ? inArray(m.streamId, c.streamIds) : sql`1 = 0`;
    case "topic": return sql`(${m.streamId} IS NOT NULL AND ${m.topicKey} = ${c.topicKey})`;
    case "sender": return sql`${m.senderId} = ${c.userId}`;
    case "dmGroup": return sql`${m.dmGroupId} = ${c.groupId}`;
    case "dmIncluding":
      return c.groupsOnly
        ? sql`${m.dmGroupId} IN (SELECT g.group_id FROM dm_group_members g JOIN dm_groups d ON d.id = g.group_id WHERE g.user_id = ${c.userId} AND d.size > 2)`
        : sql`${m.dmGroupId} IN (SELECT g.group_id FROM dm_group_members g WHERE g.user_id = ${c.userId})`;
    case "isDm": return sql`${m.dmGroupId} IS NOT NULL`;
    case "flagBit":
      return sql`EXISTS (SELECT 1 FROM message_flags f WHERE f.user_id = ${userId} AND f.message_id = ${m.id} AND (f.bits & ${c.bit}) <> 0)`;
    case "unread": return sql`(${receivedSql(q, userId)} AND NOT ${readSql(q, userId)})`;
    case "mentioned":
      return sql`(EXISTS (SELECT 1 FROM message_flags f WHERE f.user_id = ${userId} AND f.message_id = ${m.id} AND (f.bits & ${FlagBit.mentioned | FlagBit.topic_wildcard_mentioned}) <> 0)
        OR (${m.wildcard} = 1 AND ${receivedSql(q, userId)}))`;
    case "mentionsUser":
      return sql`EXISTS (SELECT 1 FROM message_flags f WHERE f.user_id = ${c.userId} AND f.message_id = ${m.id} AND (f.bits & ${FlagBit.mentioned}) <> 0)`;
    case "resolved": return sql`(${m.streamId} IS NOT NULL AND substr(${m.topic}, 1, 2) = ${"✔ "})`;
    case "followed":
      return sql`EXISTS (SELECT 1 FROM user_topics ut WHERE ut.user_id = ${userId} AND ut.stream_id = ${m.streamId} AND ut.topic_key = ${m.topicKey} AND ut.visibility_policy = 3)`;
    case "muted": return mutedSql(q, userId);
    case "has":
      if (c.what === "reaction") return sql`EXISTS (SELECT 1 FROM reactions r WHERE r.message_id = ${m.id})`;
      return sql`${c.what === "link" ? m.hasLink : c.what === "image" ? m.hasImage : m.hasAttachment} = ${true}`;
    case "search": return q.dialect.messageSearch(c.query);
    case "id": return sql`${m.id} = ${c.id}`;
    case "nothing": return sql`1 = 0`;
  }
}

export function narrowSql(q: Q, access: Access, conds: NarrowCond[]): SQL {
  const parts = [accessSql(q, access)];
  for (const c of conds) {
    const s = condSql(q, access.userId, c);
    // coalesce: a NULL comparison (a DM has no stream) must count as "no match", so its negation matches.
    parts.push(c.negated ? sql`NOT coalesce((${s}), ${false})` : sql`(${s})`);
  }
  return sql.join(parts, sql` AND `);
}

/** Up to `limit` matching messages before (desc) or after (asc) `anchor`, exclusive. */
/** Ids are 32-bit columns; anchors such as Zulip's LARGER_THAN_MAX_MESSAGE_ID are clamped to fit. */
const MAX_ID = 2147483647;
const clampId = (n: number) => Math.max(-1, Math.min(n, MAX_ID));

export async function fetchSide(q: Q, where: SQL, anchor0: number, side: "before" | "after", limit: number): Promise<MessageRow[]> {
  if (limit <= 0) return [];
  if (side === "after" && anchor0 >= MAX_ID) return [];
  const anchor = clampId(anchor0);
  const m = q.t.messages;
  return q.db
    .select()
    .from(m)
    .where(and(where, side === "before" ? lt(m.id, anchor) : gt(m.id, anchor)))
    .orderBy(side === "before" ? desc(m.id) : asc(m.id))
    .limit(limit);
}

export async function fetchExact(q: Q, where: SQL, id: number): Promise<MessageRow | undefined> {
  if (id > MAX_ID || id < 0) return undefined;
  const rows = await q.db.select().from(q.t.messages).where(and(where, eq(q.t.messages.id, id))).limit(1);
  return rows[0];
}

export async function matchingIds(q: Q, where: SQL, ids: number[]): Promise<number[]> {
  if (!ids.length) return [];
  const rows = await q.db.select({ id: q.t.messages.id }).from(q.t.messages).where(and(where, inArray(q.t.messages.id, ids)));
  return rows.map((r) => r.id);
}

export async function firstMatchingId(q: Q, where: SQL): Promise<number | undefined> {
  const rows = await q.db.select({ id: q.t.messages.id }).from(q.t.messages).where(where).orderBy(asc(q.t.messages.id)).limit(1);
  return rows[0]?.id;
}

/**
 * The user's unread messages, newest first, at most `limit` (Zulip caps at 50,000). Only
 * ids above the user's "read everything up to here" watermark can be unread, which keeps
 * the scan short after mark-all-as-read.
 */
export async function unreadRows(q: Q, userId: number, realmId: number, watermark: number, limit: number) {
  const m = q.t.messages;
  return q.db
    .select({ id: m.id, streamId: m.streamId, topic: m.topic, dmGroupId: m.dmGroupId, senderId: m.senderId, wildcard: m.wildcard })
    .from(m)
    .where(and(eq(m.realmId, realmId), gt(m.id, watermark), receivedSql(q, userId), sql`NOT ${readSql(q, userId)}`))
    .orderBy(desc(m.id))
    .limit(limit);
}

/** Recent DM conversations of a user: group id → newest message id. */
export async function recentDmGroups(q: Q, userId: number, limit: number) {
  const m = q.t.messages;
  const rows = await q.db
    .select({ g: m.dmGroupId, maxId: sql<number>`max(${m.id})` })
    .from(m)
    .where(sql`${m.dmGroupId} IN (SELECT group_id FROM dm_group_members WHERE user_id = ${userId})`)
    .groupBy(m.dmGroupId)
    .orderBy(desc(sql`max(${m.id})`))
    .limit(limit);
  return rows.map((r) => ({ groupId: r.g!, maxId: Number(r.maxId) }));
}

/** Users (among `userIds`) who read message `id`. */
export async function readersOf(q: Q, id: number, userIds: number[]): Promise<number[]> {
  if (!userIds.length) return [];
  const r = q.t.readIntervals;
  const rows = await q.db
    .selectDistinct({ u: r.userId })
    .from(r)
    .where(and(inArray(r.userId, userIds), lte(r.startId, id), gte(r.endId, id)));
  return rows.map((x) => x.u);
}
