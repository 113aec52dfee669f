// Streams, subscriptions, subscription intervals and user topics. No business rules here.
import { and, asc, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Q, Tables } from "../types.ts";

export type StreamRow = Tables["streams"]["$inferSelect"];
export type NewStream = Tables["streams"]["$inferInsert"];
export type SubscriptionRow = Tables["subscriptions"]["$inferSelect"];
export type IntervalRow = Tables["subscriptionIntervals"]["$inferSelect"];
export type UserTopicRow = Tables["userTopics"]["$inferSelect"];

/**
 * Runs a fixed-shape hot query as a named prepared statement: on Postgres, drizzle then asks
 * postgres.js to prepare it server-side (parsed and planned once per connection); without a
 * name every execution is parsed again. Only for queries whose SQL text never varies.
 */
export function hot<T>(name: string, builder: { prepare(name: string): { execute(): Promise<T> } }): Promise<T> {
  return builder.prepare(name).execute();
}

export async function streamById(q: Q, realmId: number, id: number): Promise<StreamRow | undefined> {
  const rows = await hot("stream_by_id", q.db.select().from(q.t.streams).where(and(eq(q.t.streams.id, id), eq(q.t.streams.realmId, realmId))).limit(1));
  return rows[0];
}

export async function streamByName(q: Q, realmId: number, name: string): Promise<StreamRow | undefined> {
  const rows = await hot(
    "stream_by_name",
    q.db.select().from(q.t.streams).where(and(eq(q.t.streams.realmId, realmId), eq(q.t.streams.nameKey, name.trim().toLowerCase()))).limit(1),
  );
  return rows[0];
}

export async function streamsByIds(q: Q, ids: number[]): Promise<StreamRow[]> {
  if (!ids.length) return [];
  return q.db.select().from(q.t.streams).where(inArray(q.t.streams.id, ids));
}

export async function streamsInRealm(q: Q, realmId: number): Promise<StreamRow[]> {
  return q.db.select().from(q.t.streams).where(eq(q.t.streams.realmId, realmId)).orderBy(asc(q.t.streams.id));
}

export async function insertStream(q: Q, values: NewStream): Promise<StreamRow> {
  const rows = await q.db.insert(q.t.streams).values({ ...values, nameKey: values.name.toLowerCase() }).returning();
  return rows[0]!;
}

export async function updateStream(q: Q, id: number, values: Partial<NewStream>): Promise<void> {
  const v = values.name !== undefined ? { ...values, nameKey: values.name.toLowerCase() } : values;
  await q.db.update(q.t.streams).set(v).where(eq(q.t.streams.id, id));
}

/**
 * Serializes sends and (un)subscriptions on one stream (Postgres row lock; SQLite's
 * writer lock already does). That is what makes subscription watermarks exact: no
 * message id can commit "behind" a watermark taken under the same lock.
 */
export async function lockStream(q: Q, id: number): Promise<StreamRow | undefined> {
  const rows = await q.dialect.all<{ id: number }>(q.db, sql`SELECT id FROM streams WHERE id = ${id}${q.dialect.forNoKeyUpdate()}`);
  if (!rows.length) return undefined;
  return (await q.db.select().from(q.t.streams).where(eq(q.t.streams.id, id)).limit(1))[0];
}

// ---------------------------------------------------------------- subscriptions

export async function subscriptionsOfUser(q: Q, userId: number): Promise<SubscriptionRow[]> {
  return q.db.select().from(q.t.subscriptions).where(eq(q.t.subscriptions.userId, userId));
}

export async function subscriptionOf(q: Q, userId: number, streamId: number): Promise<SubscriptionRow | undefined> {
  const rows = await hot(
    "subscription_of",
    q.db.select().from(q.t.subscriptions).where(and(eq(q.t.subscriptions.userId, userId), eq(q.t.subscriptions.streamId, streamId))).limit(1),
  );
  return rows[0];
}

export async function activeSubscriberIds(q: Q, streamId: number): Promise<number[]> {
  const rows = await hot(
    "active_subscriber_ids",
    q.db
      .select({ id: q.t.subscriptions.userId })
      .from(q.t.subscriptions)
      .innerJoin(q.t.users, eq(q.t.users.id, q.t.subscriptions.userId))
      .where(and(eq(q.t.subscriptions.streamId, streamId), eq(q.t.subscriptions.active, true), eq(q.t.users.isActive, true))),
  );
  return rows.map((r) => r.id);
}

/** stream id → active subscriber ids, for many streams in one query */
export async function subscribersByStream(q: Q, streamIds: number[]): Promise<Map<number, number[]>> {
  const out = new Map<number, number[]>(streamIds.map((id) => [id, []]));
  if (!streamIds.length) return out;
  const rows = await q.db
    .select({ s: q.t.subscriptions.streamId, u: q.t.subscriptions.userId })
    .from(q.t.subscriptions)
    .innerJoin(q.t.users, eq(q.t.users.id, q.t.subscriptions.userId))
    .where(and(inArray(q.t.subscriptions.streamId, streamIds), eq(q.t.subscriptions.active, true), eq(q.t.users.isActive, true)));
  for (const r of rows) out.get(r.s)?.push(r.u);
  return out;
}

export async function upsertSubscription(q: Q, userId: number, streamId: number, color: string): Promise<void> {
  await q.db
    .insert(q.t.subscriptions)
    .values({ userId, streamId, active: true, color })
    .onConflictDoUpdate({ target: [q.t.subscriptions.userId, q.t.subscriptions.streamId], set: { active: true } });
}

export async function deactivateSubscription(q: Q, userId: number, streamId: number): Promise<void> {
  await q.db
    .update(q.t.subscriptions)
    .set({ active: false })
    .where(and(eq(q.t.subscriptions.userId, userId), eq(q.t.subscriptions.streamId, streamId)));
}

export async function updateSubscription(q: Q, userId: number, streamId: number, values: Partial<SubscriptionRow>): Promise<void> {
  await q.db
    .update(q.t.subscriptions)
    .set(values)
    .where(and(eq(q.t.subscriptions.userId, userId), eq(q.t.subscriptions.streamId, streamId)));
}

// ---------------------------------------------------------------- intervals

export async function openInterval(q: Q, userId: number, streamId: number, startId: number): Promise<void> {
  await q.db.insert(q.t.subscriptionIntervals).values({ userId, streamId, startId, endId: null });
}

export async function closeInterval(q: Q, userId: number, streamId: number, endId: number): Promise<void> {
  await q.db
    .update(q.t.subscriptionIntervals)
    .set({ endId })
    .where(
      and(
        eq(q.t.subscriptionIntervals.userId, userId),
        eq(q.t.subscriptionIntervals.streamId, streamId),
        isNull(q.t.subscriptionIntervals.endId),
      ),
    );
}

export async function intervalsOfUser(q: Q, userId: number): Promise<IntervalRow[]> {
  return q.db.select().from(q.t.subscriptionIntervals).where(eq(q.t.subscriptionIntervals.userId, userId));
}

/** The largest message id in the database (0 when none): ids are global, so watermarks use it. */
export async function maxMessageId(q: Q): Promise<number> {
  const rows = await q.db.select({ m: sql<number>`coalesce(max(${q.t.messages.id}), 0)` }).from(q.t.messages);
  return Number(rows[0]?.m ?? 0);
}

// ---------------------------------------------------------------- user topics

export async function userTopicsOf(q: Q, userId: number): Promise<UserTopicRow[]> {
  return q.db.select().from(q.t.userTopics).where(eq(q.t.userTopics.userId, userId));
}

export async function setUserTopic(q: Q, row: UserTopicRow): Promise<void> {
  await q.db
    .insert(q.t.userTopics)
    .values(row)
    .onConflictDoUpdate({
      target: [q.t.userTopics.userId, q.t.userTopics.streamId, q.t.userTopics.topicKey],
      set: { visibilityPolicy: row.visibilityPolicy, lastUpdated: row.lastUpdated, topicName: row.topicName },
    });
}

export async function deleteUserTopic(q: Q, userId: number, streamId: number, topicKey: string): Promise<void> {
  await q.db
    .delete(q.t.userTopics)
    .where(and(eq(q.t.userTopics.userId, userId), eq(q.t.userTopics.streamId, streamId), eq(q.t.userTopics.topicKey, topicKey)));
}
