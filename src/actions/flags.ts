// Message flags and read state. `read` lives in the per-user read interval set (one
// interval after "mark all as read"; marking one message unread splits an interval);
// starred and collapsed are sparse rows. Events: update_message_flags to the user only.
import { and, desc, eq, sql } from "drizzle-orm";
import type { ActionDeps } from "./deps.ts";
import { inTx, type ActionTx } from "./tx.ts";
import type { Q } from "../db/types.ts";
import type { RealmRow } from "../db/repo/realms.ts";
import type { UserRow } from "../db/repo/users.ts";
import {
  dmGroupMembers, fetchExact, fetchSide, flagBits, lockUser, messagesByIds, narrowSql, readIntervalsOf, readSql,
  receivedSql, replaceReadIntervals, setFlagBit, type MessageRow,
} from "../db/repo/messages.ts";
import { maxMessageId, streamById, subscriptionsOfUser } from "../db/repo/streams.ts";
import { errors } from "../domain/errors.ts";
import { FlagBit, READ_ONLY_FLAGS, USER_SETTABLE_FLAGS } from "../domain/flags.ts";
import { contains, fromIds, subtract, union, type Interval } from "../domain/intervals.ts";
import type { NarrowTerm } from "../domain/narrow.ts";
import { messagingSettings } from "../domain/messaging-settings.ts";
import { canReadMessage, invalidMessage } from "./message-access.ts";
import { readerState, received } from "./message-objects.ts";
import { resolveNarrow } from "./narrow.ts";
import { LARGER_THAN_MAX_MESSAGE_ID } from "./messages.ts";

function checkFlag(flag: string) {
  if (USER_SETTABLE_FLAGS.has(flag)) return;
  if (READ_ONLY_FLAGS.has(flag)) throw errors.badRequest(`Flag not editable: '${flag}'`);
  throw errors.badRequest(`Invalid flag: '${flag}'`);
}

/** Zulip's message_details for messages marked unread: enough for a client to rebuild unread_msgs. */
async function messageDetails(q: Q, userId: number, rows: MessageRow[]) {
  const groups = await dmGroupMembers(q, rows.filter((r) => r.dmGroupId !== null).map((r) => r.dmGroupId!));
  const bits = await flagBits(q, userId, rows.map((r) => r.id));
  const muted = new Set((await subscriptionsOfUser(q, userId)).filter((s) => s.isMuted).map((s) => s.streamId));
  const out: Record<string, Record<string, unknown>> = {};
  for (const r of rows) {
    const b = bits.get(r.id) ?? 0;
    const mentioned = (b & (FlagBit.mentioned | FlagBit.topic_wildcard_mentioned)) !== 0 || r.wildcard === 1;
    out[String(r.id)] =
      r.streamId !== null
        ? { type: "stream", stream_id: r.streamId, topic: r.topic, unmuted_stream_msg: !muted.has(r.streamId), ...(mentioned ? { mentioned } : {}) }
        : { type: "private", user_ids: (groups.get(r.dmGroupId!) ?? []).filter((u) => u !== userId), ...(mentioned ? { mentioned } : {}) };
  }
  return out;
}

/** Applies op/flag to messages the user may read; returns the ids whose state changed. */
export async function applyFlag(tx: ActionTx, realm: RealmRow, user: UserRow, rows: MessageRow[], op: "add" | "remove", flag: string): Promise<number[]> {
  await lockUser(tx, user.id);
  const st = await readerState(tx, user.id);
  const bits = await flagBits(tx, user.id, rows.map((r) => r.id));
  let changed: number[] = [];
  if (flag === "read") {
    // Only received messages have read state (the rest are always read, as in Zulip).
    const mine = rows.filter((r) => received(user.id, r, st, bits.get(r.id) ?? 0));
    changed = mine.filter((r) => contains(st.readIntervals, r.id) !== (op === "add")).map((r) => r.id);
    if (changed.length) {
      const next: Interval[] = op === "add" ? union(st.readIntervals, fromIds(changed)) : subtract(st.readIntervals, fromIds(changed));
      await replaceReadIntervals(tx, user.id, st.readIntervals, next);
    }
  } else {
    const bit = flag === "starred" ? FlagBit.starred : FlagBit.collapsed;
    changed = rows.filter((r) => (((bits.get(r.id) ?? 0) & bit) !== 0) !== (op === "add")).map((r) => r.id);
    // Starring a message the user never received makes it "historical", as Zulip does.
    for (const r of rows.filter((x) => changed.includes(x.id))) {
      const extra = op === "add" && !received(user.id, r, st, bits.get(r.id) ?? 0) ? FlagBit.historical : 0;
      await setFlagBit(tx, user.id, [r.id], bit, op === "add", extra);
    }
  }
  changed.sort((a, b) => a - b);
  if (changed.length) {
    const event: Record<string, unknown> = { type: "update_message_flags", op, operation: op, flag, messages: changed, all: false };
    if (flag === "read" && op === "remove") event.message_details = await messageDetails(tx, user.id, rows.filter((r) => changed.includes(r.id)));
    tx.notify(event as never, [user.id], realm.id);
  }
  return changed;
}

export async function updateFlags(deps: ActionDeps, realm: RealmRow, user: UserRow, ids: number[], op: string, flag: string) {
  if (op !== "add" && op !== "remove") throw errors.invalid("op", "Invalid message flag operation: '" + op + "'");
  checkFlag(flag);
  return inTx(deps, async (tx) => {
    const rows = await messagesByIds(tx, [...new Set(ids)]);
    if (rows.length !== new Set(ids).size) throw invalidMessage();
    for (const r of rows) if (!(await canReadMessage(tx, user, r))) throw invalidMessage();
    const changed = await applyFlag(tx, realm, user, rows, op, flag);
    return { messages: changed, ignored_because_not_subscribed_channels: [] as number[] };
  });
}

export interface FlagsNarrowInput {
  anchor: "newest" | "oldest" | "first_unread" | number;
  includeAnchor: boolean;
  numBefore: number;
  numAfter: number;
  narrow: NarrowTerm[];
  op: string;
  flag: string;
}

export async function updateFlagsForNarrow(deps: ActionDeps, realm: RealmRow, user: UserRow, input: FlagsNarrowInput) {
  if (input.op !== "add" && input.op !== "remove") throw errors.invalid("op", "Invalid message flag operation: '" + input.op + "'");
  checkFlag(input.flag);
  if (input.numBefore + input.numAfter > 5000) throw errors.badRequest("Too many messages requested (maximum 5000).");
  const q = deps.store;
  const resolved = await resolveNarrow(q, user, input.narrow, messagingSettings(realm).empty_topic_display_name);
  const where = narrowSql(q, resolved.access, resolved.conds);
  let anchor: number;
  if (input.anchor === "newest") anchor = LARGER_THAN_MAX_MESSAGE_ID;
  else if (input.anchor === "oldest") anchor = 0;
  else if (input.anchor === "first_unread") {
    const rows = await fetchSide(q, and(where, receivedSql(q, user.id), sql`NOT ${readSql(q, user.id)}`)!, 0, "after", 1);
    anchor = rows[0]?.id ?? LARGER_THAN_MAX_MESSAGE_ID;
  } else anchor = input.anchor;
  return inTx(deps, async (tx) => {
    const before = await fetchSide(tx, where, anchor, "before", input.numBefore + 1);
    const at = input.includeAnchor ? await fetchExact(tx, where, anchor) : undefined;
    const after = await fetchSide(tx, where, anchor, "after", input.numAfter + 1);
    const rows = [...before.slice(0, input.numBefore).reverse(), ...(at ? [at] : []), ...after.slice(0, input.numAfter)];
    const changed = await applyFlag(tx, realm, user, rows, input.op as "add", input.flag);
    return {
      processed_count: rows.length,
      updated_count: changed.length,
      first_processed_id: rows[0]?.id ?? null,
      last_processed_id: rows[rows.length - 1]?.id ?? null,
      found_oldest: before.length <= input.numBefore,
      found_newest: after.length <= input.numAfter,
    };
  });
}

/** Unread ids of the user matching an extra condition, newest first, up to `limit`. */
async function unreadIds(q: Q, user: UserRow, extra: ReturnType<typeof sql> | undefined, limit: number): Promise<number[]> {
  const m = q.t.messages;
  const rows = await q.db
    .select({ id: m.id })
    .from(m)
    .where(and(eq(m.realmId, user.realmId), extra, receivedSql(q, user.id), sql`NOT ${readSql(q, user.id)}`))
    .orderBy(desc(m.id))
    .limit(limit);
  return rows.map((r) => r.id).sort((a, b) => a - b);
}

/** "Mark all as read" is one interval [1, max message id] merged into the read set. */
export async function markAllAsRead(deps: ActionDeps, realm: RealmRow, user: UserRow) {
  return inTx(deps, async (tx) => {
    await lockUser(tx, user.id);
    const ids = await unreadIds(tx, user, undefined, 50_000);
    const max = await maxMessageId(tx);
    const before = await readIntervalsOf(tx, user.id);
    if (max > 0) await replaceReadIntervals(tx, user.id, before, union(before, [[1, max]]));
    if (ids.length) tx.notify({ type: "update_message_flags", op: "add", operation: "add", flag: "read", messages: ids, all: true }, [user.id], realm.id);
    return { complete: true };
  });
}

async function markWhere(deps: ActionDeps, realm: RealmRow, user: UserRow, extra: ReturnType<typeof sql>) {
  return inTx(deps, async (tx) => {
    const ids = await unreadIds(tx, user, extra, 1_000_000);
    const rows = await messagesByIds(tx, ids);
    await applyFlag(tx, realm, user, rows, "add", "read");
    return {};
  });
}

export async function markStreamAsRead(deps: ActionDeps, realm: RealmRow, user: UserRow, streamId: number) {
  const s = await streamById(deps.store, realm.id, streamId);
  if (!s) throw errors.badRequest("Invalid channel ID");
  return markWhere(deps, realm, user, sql`${deps.store.t.messages.streamId} = ${streamId}`);
}

export async function markTopicAsRead(deps: ActionDeps, realm: RealmRow, user: UserRow, streamId: number, topic: string) {
  const s = await streamById(deps.store, realm.id, streamId);
  if (!s) throw errors.badRequest("Invalid channel ID");
  const m = deps.store.t.messages;
  return markWhere(deps, realm, user, sql`${m.streamId} = ${streamId} AND ${m.topicKey} = ${topic.trim().toLowerCase()}`);
}
